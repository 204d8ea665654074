// End-to-end tests of compress/decompress with the built-in model (so they run
// in a fresh clone) and, where a test is about a particular vocabulary or a
// llama.cpp reference number, with models from the reference test data: round
// trips of awkward inputs, determinism across threads, corruption detection,
// model mismatch, agreement of score with compress.
#include "codec/codec.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>

#include "codec/framing.h"
#include "codec/scorer.h"
#include "testing/testutil.h"
#include "container/checksum.h"
#include "container/format.h"
#include "container/reader.h"
#include "container/varint.h"
#include "container/writer.h"
#include "testing/gguf_writer.h"

namespace llmzip::codec {
namespace {

std::string compress_str(const LoadedModel& m, std::string_view in, Params p = {}, Stats* st = nullptr) {
  MemorySource src(in, "in");
  MemorySink sink;
  Status s = compress(m, src, sink, p, nullptr, st);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return sink.data;
}

Result<std::string> decompress_str(const LoadedModel& m, std::string_view in, Params p = {}) {
  MemorySource src(in, "x.llmz");
  MemorySink sink;
  Status s = decompress(m, src, sink, p);
  if (!s) return s;
  return sink.data;
}

std::string bpe_model_bytes(const std::string& vocab_path);
Result<std::unique_ptr<LoadedModel>> load_bpe_model(const std::string& vocab_path);

// The built-in model and the repository's sample text: no test data needed.
class CodecTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = load_model("");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::move(m).value().release();
    text_ = testutil::read_file(std::string(LLMZIP_SOURCE_DIR) + "/samples/sample.txt");
    ASSERT_GT(text_.size(), 2000u);
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  // Another model with the built-in model's vocabulary (random weights): a
  // file made with one must be refused by the other.
  static std::unique_ptr<LoadedModel> other_model() {
    const std::string_view b = builtin_model_bytes();
    char tmpl[] = "/tmp/llmzip-vocab-XXXXXX";
    const int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, b.data(), b.size()), ssize_t(b.size()));
    close(fd);
    auto m = load_bpe_model(tmpl);
    unlink(tmpl);
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    return m ? std::move(m).value() : nullptr;
  }
  static LoadedModel* model_;
  static std::string text_;
};
LoadedModel* CodecTest::model_ = nullptr;
std::string CodecTest::text_;

TEST_F(CodecTest, RoundTripsAwkwardInputs) {
  std::mt19937 rng(42);
  std::string all256;
  for (int i = 0; i < 256; ++i) all256.push_back(char(i));
  std::string random_bin(1500, '\0');
  for (auto& c : random_bin) c = char(rng());
  std::string crlf;
  for (int i = 0; i < 20; ++i) crlf += "Line number " + std::to_string(i) + " of a DOS file.\r\n";
  std::string long_line;
  while (long_line.size() < 3000) long_line += "the cat sat on the mat and ";
  std::string invalid = "caf\xc3\xa9 \xff\xfe bad \xc0\xaf overlong \xed\xa0\x80 surrogate \xe2\x82 cut";
  std::string nul("a\0b\0\0c", 6);
  struct Case { const char* name; std::string data; Params p; };
  Params tiny_frames; tiny_frames.frame_bytes = 7;
  Params small_ctx; small_ctx.context = 16;  // many window restarts inside a frame
  Params one_frame_small_ctx; one_frame_small_ctx.context = 9; one_frame_small_ctx.frame_bytes = 100000;
  std::vector<Case> cases = {
      {"empty", "", {}},
      {"one byte", "x", {}},
      {"one newline", "\n", {}},
      {"all 256 bytes", all256, {}},
      {"random binary", random_bin, {}},
      {"invalid utf-8", invalid, {}},
      {"nul bytes", nul, {}},
      {"crlf", crlf, {}},
      {"long line", long_line, {}},
      {"many tiny frames", text_.substr(0, 500), tiny_frames},
      {"sliding context", text_.substr(0, 800), small_ctx},
      {"one frame, context 9", text_.substr(0, 800), one_frame_small_ctx},
      {"spaces", "   leading and trailing   ", {}},
  };
  for (const auto& c : cases) {
    Stats st;
    std::string z = compress_str(*model_, c.data, c.p, &st);
    auto back = decompress_str(*model_, z);
    ASSERT_TRUE(back.is_ok()) << c.name << ": " << back.status().to_string();
    EXPECT_EQ(*back, c.data) << c.name;
    EXPECT_EQ(st.in_bytes, c.data.size()) << c.name;
    EXPECT_EQ(st.out_bytes, z.size()) << c.name;
  }
  // Incompressible data is stored, not expanded: only container overhead is added.
  Stats st;
  std::string z = compress_str(*model_, random_bin, {}, &st);
  EXPECT_EQ(st.raw_frames, st.frames);
  EXPECT_LT(z.size(), random_bin.size() + 400);
}

TEST_F(CodecTest, CompressesTextWellAndBytesDoNotDependOnThreads) {
  const std::string big = text_;
  Params p1; p1.threads = 1;
  Stats st;
  std::string z1 = compress_str(*model_, big, p1, &st);
  // The built-in model codes the sample text (English prose) at 1.75
  // bits/byte of payload; xz -9 and zstd -19 need over 3.5 on text this short.
  auto zr = container::ArchiveReader::open(reinterpret_cast<const uint8_t*>(z1.data()), z1.size(), "z1");
  ASSERT_TRUE(zr.is_ok()) << zr.status().to_string();
  const double overhead = double(zr->overhead());
  EXPECT_LT(8.0 * (double(z1.size()) - overhead) / double(big.size()), 2.0);
  // The CDF fingerprint (llmzip -v) is the same when compressing and when
  // decompressing with any thread count.
  Params hp; hp.hash_cdfs = true; hp.threads = 1;
  Stats hs;
  compress_str(*model_, big, hp, &hs);
  EXPECT_NE(hs.cdf_hash, 0u);
  for (int t : {1, 2, 3}) {
    Params dp; dp.hash_cdfs = true; dp.threads = t;
    MemorySource src(z1, "x.llmz");
    MemorySink sink;
    Stats ds;
    ASSERT_TRUE(decompress(*model_, src, sink, dp, nullptr, &ds).is_ok());
    EXPECT_EQ(ds.cdf_hash, hs.cdf_hash) << t << " threads";
  }
  for (int t : {2, 3}) {
    Params p; p.threads = t;
    EXPECT_EQ(compress_str(*model_, big, p), z1) << t << " threads";
    auto back = decompress_str(*model_, z1, p);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, big);
  }
}

TEST_F(CodecTest, AllMethodsRoundTrip) {
  for (const char* name : {"ac", "rank-zlib", "tbyt"}) {
    Params p;
    p.method = *coder::parse_method(name);
    std::string z = compress_str(*model_, text_, p);
    auto back = decompress_str(*model_, z);
    ASSERT_TRUE(back.is_ok()) << name << ": " << back.status().to_string();
    EXPECT_EQ(*back, text_) << name;
  }
}

TEST_F(CodecTest, ScoreAgreesWithCompressedSize) {
  ScoreOptions o;
  auto s = score(*model_, text_, o);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  Stats st;
  std::string z = compress_str(*model_, text_, {}, &st);
  auto h = make_header(*model_, {}, int64_t(text_.size()));
  ASSERT_TRUE(h.is_ok());
  // Container overhead: header, per-frame header, index entry, footer.
  auto zr = container::ArchiveReader::open(reinterpret_cast<const uint8_t*>(z.data()), z.size(), "z");
  ASSERT_TRUE(zr.is_ok()) << zr.status().to_string();
  ASSERT_EQ(zr->frame_count(), st.frames);
  const double overhead = double(zr->overhead());
  const double payload_bits = 8.0 * (double(z.size()) - overhead);
  EXPECT_GE(payload_bits, s->total_bits - 1e-6);
  EXPECT_LE(payload_bits, s->total_bits + 8.0 * double(st.frames) + 1e-3 * s->total_bits);
  EXPECT_EQ(s->n_tokens, st.tokens);
}

TEST(CodecStories, ScoreMatchesTheLlamaCppReference) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto m = load_model(dir + "/models/stories260K.gguf");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  const std::string text = testutil::read_file(dir + "/texts/stories_sample.txt");
  auto s = score(**m, text, ScoreOptions{});
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  // Golden reference (llama.cpp, same tokens, whole text in one window):
  // 1.8021 bits/token; ours adds the integer-frequency rounding only.
  EXPECT_NEAR(s->total_bits / double(s->n_tokens), 1.8021, 0.03);
  // And the file compress writes decodes (a SentencePiece vocabulary with the
  // space prefix, unlike the built-in model's).
  MemorySource src(text, "in");
  MemorySink z;
  ASSERT_TRUE(compress(**m, src, z, {}).is_ok());
  MemorySource zsrc(z.data, "x.llmz");
  MemorySink back;
  Status st = decompress(**m, zsrc, back, {});
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(back.data, text);
}

TEST_F(CodecTest, EveryCorruptionIsDetected) {
  std::string small = text_.substr(0, 120);
  std::string z = compress_str(*model_, small);
  size_t accepted = 0;
  for (size_t bit = 0; bit < z.size() * 8; ++bit) {
    std::string bad = z;
    bad[bit / 8] ^= char(1 << (bit % 8));
    auto r = decompress_str(*model_, bad);
    if (r.is_ok()) ++accepted;
  }
  EXPECT_EQ(accepted, 0u) << "bit flips decoded without an error";
  for (size_t len = 0; len < z.size(); ++len) {
    auto r = decompress_str(*model_, std::string_view(z).substr(0, len));
    EXPECT_FALSE(r.is_ok()) << "truncation to " << len << " bytes accepted";
  }
  auto extra = decompress_str(*model_, z + "x");
  EXPECT_FALSE(extra.is_ok());
}

TEST_F(CodecTest, RejectsFramesLongerThanTheRecordedFrameSize) {
  // A forged frame may not claim more bytes (and so more tokens of model work)
  // than the header's frame size allows.
  Params p;
  p.frame_bytes = 16;
  auto h = make_header(*model_, p);
  ASSERT_TRUE(h.is_ok());
  std::string file;
  StringSink sink(&file);
  auto w = container::Writer::create(*h, sink);
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  ASSERT_TRUE(w->add_coded_frame(std::string(100, 'a'), 101, "").is_ok());
  ASSERT_TRUE(w->finish().is_ok());
  auto r = decompress_str(*model_, file);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << r.status().to_string();
}

// The bytes of frame header `f`, whatever its token count claims:
// serialize_frame_header asserts that what it writes is well formed, so a
// count above the frame's bytes + 1 is written over a well-formed count of the
// same varint width (the frame checksum then no longer matches; the count is
// refused before the checksum is read).
std::string forged_frame_header(container::FrameHeader f, std::string_view payload) {
  const uint64_t claimed = f.token_count;
  if (!container::frame_kind_has_tokens(f.kind) || claimed <= f.original_size + 1)
    return container::serialize_frame_header(f, payload);
  f.token_count = f.original_size + 1;
  EXPECT_EQ(container::varint_size(f.token_count), container::varint_size(claimed));
  std::string s = container::serialize_frame_header(f, payload);
  std::string count;
  container::put_varint(count, claimed);
  s.replace(1 + container::varint_size(f.original_size), count.size(), count);
  return s;
}

// A file of the given frames, whatever they claim (no writer checks): header,
// frames, index, footer, each serialized as format.md says.
std::string forged_file(const container::FileHeader& h, const std::vector<container::FrameHeader>& frames,
                        std::string_view payload) {
  std::string file = container::serialize_file_header(h);
  std::vector<container::IndexEntry> entries;
  uint64_t total = 0;
  for (const auto& f : frames) {
    const std::string fh = forged_frame_header(f, payload);
    entries.push_back({file.size(), fh.size() + payload.size(), f.original_size, f.token_count, payload.size()});
    file += fh;
    file += payload;
    total += f.original_size;
  }
  container::Footer ft;
  ft.index_offset = file.size();
  ft.frame_count = entries.size();
  ft.total_original_size = total;
  file += container::serialize_index(entries.data(), entries.size());
  file += container::serialize_footer(ft);
  return file;
}

TEST_F(CodecTest, ForgedFrameSizeIsRefusedAtOnceUnlessAllowed) {
  // Issue 10 item 5: a 581-byte file claiming one frame of 2^30 bytes and 2^30
  // tokens decoded for hours. The decoder does no more than this encoder writes
  // by default (64 KiB frames) unless the caller raises Params::max_frame_bytes.
  Params p;
  auto h = make_header(*model_, p);
  ASSERT_TRUE(h.is_ok());
  h->frame_bytes = uint32_t(1) << 30;
  container::FrameHeader f;
  f.kind = container::FrameKind::kCoded;
  f.original_size = f.token_count = uint64_t(1) << 30;
  const std::string payload(400, '\x5a');
  f.payload_size = payload.size();
  const std::string file = forged_file(*h, {f}, payload);
  EXPECT_LT(file.size(), 700u);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = decompress_str(*model_, file);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kLimit) << r.status().to_string();
  EXPECT_LT(secs, 1.0);
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("x.llmz: frame 0 at byte "), std::string::npos) << msg;
  EXPECT_NE(msg.find("--max-frame=1073741824"), std::string::npos) << msg;

  // More tokens than bytes is forged whatever the limit: refused before decoding.
  f.original_size = 1000;
  f.token_count = 5000;
  h->frame_bytes = 1000;
  r = decompress_str(*model_, forged_file(*h, {f}, payload));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << r.status().to_string();
  EXPECT_NE(r.status().message().find("5000"), std::string::npos) << r.status().message();

  // The limit is the caller's: a real file with 2000-byte frames decodes by
  // default, is refused below its frame size and decodes again when allowed.
  p.frame_bytes = 2000;
  const std::string z = compress_str(*model_, text_, p);
  auto ok = decompress_str(*model_, z);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, text_);
  Params tight;
  tight.max_frame_bytes = 1000;
  r = decompress_str(*model_, z, tight);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kLimit);
  EXPECT_NE(r.status().message().find("--max-frame=2000"), std::string::npos) << r.status().message();
  tight.max_frame_bytes = 2000;
  ok = decompress_str(*model_, z, tight);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, text_);
}

TEST_F(CodecTest, RefusesOtherModel) {
  auto other = other_model();
  ASSERT_TRUE(other);
  std::string z = compress_str(*model_, text_);
  auto r = decompress_str(*other, z);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kModelMismatch);
  EXPECT_NE(r.status().message().find(model_->name), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(other->name), std::string::npos) << r.status().message();
}

// Numerics version 2 (F16 KV cache) is what compress writes; a version this
// engine does not compute is refused before any decoding, naming both.
TEST_F(CodecTest, NumericsVersionIsWrittenAndChecked) {
  const std::string z = compress_str(*model_, text_.substr(0, 400));
  auto hdr = container::parse_file_header(reinterpret_cast<const uint8_t*>(z.data()), z.size(), "x.llmz");
  ASSERT_TRUE(hdr.is_ok()) << hdr.status().to_string();
  EXPECT_EQ(hdr->numerics_version, model::kNumericsVersion);
  for (uint32_t v : {0u, model::kNumericsVersion + 1}) {
    container::FileHeader h = *hdr;
    h.numerics_version = v;
    const std::string old_header = container::serialize_file_header(*hdr);
    const std::string forged = container::serialize_file_header(h) + z.substr(old_header.size());
    auto r = decompress_str(*model_, forged);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kModelMismatch) << r.status().to_string();
    EXPECT_NE(r.status().message().find("numerics version " + std::to_string(v)), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("versions 1 to " + std::to_string(model::kNumericsVersion)), std::string::npos)
        << r.status().message();
  }
}

TEST_F(CodecTest, ConcatenatedFilesDecodeInOrder) {
  const std::string a = text_.substr(0, 300), b = text_.substr(300, 200);
  Params tbyt;
  tbyt.method = coder::Method::kTokenByToken;
  const std::string za = compress_str(*model_, a), zb = compress_str(*model_, b, tbyt);
  const std::string ze = compress_str(*model_, "");
  Stats st;
  const std::string all = za + ze + zb;
  MemorySource src(all, "x.llmz");
  MemorySink sink;
  Status s = decompress(*model_, src, sink, {}, nullptr, &st);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(sink.data, a + b);
  EXPECT_EQ(st.in_bytes, za.size() + ze.size() + zb.size());
  // Each member's model is checked; messages name the member.
  auto other = other_model();
  ASSERT_TRUE(other);
  auto r = decompress_str(*model_, za + compress_str(*other, b));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kModelMismatch);
  EXPECT_NE(r.status().message().find("x.llmz (member 2 at byte " + std::to_string(za.size()) + ")"),
            std::string::npos)
      << r.status().message();
  // A damaged second member fails its checksum.
  std::string bad = za + zb;
  bad[bad.size() - 60] ^= 0x20;
  EXPECT_FALSE(decompress_str(*model_, bad).is_ok());
}

// A small random-weight llama model carrying a real byte-level BPE vocabulary,
// so the BPE paths (invalid UTF-8, bytes a vocabulary cannot express) run end to end.
std::string bpe_model_bytes(const std::string& vocab_path) {
  auto v = gguf::GgufFile::open(vocab_path);
  EXPECT_TRUE(v.is_ok()) << v.status().to_string();
  gguf::GgufWriter w;
  for (const auto& [key, val] : (*v)->metadata())
    if (key.rfind("tokenizer.", 0) == 0) w.add_value(key, val);
  const uint64_t n_vocab = (*v)->find("tokenizer.ggml.tokens")->strings.size();
  const int E = 32, F = 64, L = 1;
  w.add_string("general.architecture", "llama");
  w.add_string("general.name", "bpe-test");
  w.add_u32("llama.context_length", 128);
  w.add_u32("llama.embedding_length", E);
  w.add_u32("llama.block_count", L);
  w.add_u32("llama.feed_forward_length", F);
  w.add_u32("llama.attention.head_count", 4);
  w.add_u32("llama.attention.head_count_kv", 2);
  w.add_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.f, 0.5f);
  auto mat = [&](uint64_t cols, uint64_t rows) {
    std::string s(cols * rows * 4, '\0');
    for (uint64_t i = 0; i < cols * rows; ++i) { float f = nd(rng); std::memcpy(&s[i * 4], &f, 4); }
    return s;
  };
  auto ones = [&](uint64_t n) {
    std::string s(n * 4, '\0');
    for (uint64_t i = 0; i < n; ++i) { float f = 1.0f; std::memcpy(&s[i * 4], &f, 4); }
    return s;
  };
  w.add_tensor("token_embd.weight", gguf::TensorType::kF32, {E, n_vocab}, mat(E, n_vocab));
  w.add_tensor("output_norm.weight", gguf::TensorType::kF32, {E}, ones(E));
  w.add_tensor("blk.0.attn_norm.weight", gguf::TensorType::kF32, {E}, ones(E));
  w.add_tensor("blk.0.ffn_norm.weight", gguf::TensorType::kF32, {E}, ones(E));
  w.add_tensor("blk.0.attn_q.weight", gguf::TensorType::kF32, {E, E}, mat(E, E));
  w.add_tensor("blk.0.attn_k.weight", gguf::TensorType::kF32, {E, E / 2}, mat(E, E / 2));
  w.add_tensor("blk.0.attn_v.weight", gguf::TensorType::kF32, {E, E / 2}, mat(E, E / 2));
  w.add_tensor("blk.0.attn_output.weight", gguf::TensorType::kF32, {E, E}, mat(E, E));
  w.add_tensor("blk.0.ffn_gate.weight", gguf::TensorType::kF32, {E, F}, mat(E, F));
  w.add_tensor("blk.0.ffn_up.weight", gguf::TensorType::kF32, {E, F}, mat(E, F));
  w.add_tensor("blk.0.ffn_down.weight", gguf::TensorType::kF32, {F, E}, mat(F, E));
  return w.finish();
}

// Loads the model of bpe_model_bytes() through a temporary file, as users do.
Result<std::unique_ptr<LoadedModel>> load_bpe_model(const std::string& vocab_path) {
  std::string bytes = bpe_model_bytes(vocab_path);
  char tmpl[] = "/tmp/llmzip-bpe-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return Status(ErrorCode::kIo, "mkstemp failed");
  bool ok = write(fd, bytes.data(), bytes.size()) == ssize_t(bytes.size());
  close(fd);
  auto m = ok ? load_model(tmpl) : Result<std::unique_ptr<LoadedModel>>(Status(ErrorCode::kIo, "write failed"));
  unlink(tmpl);
  return m;
}

TEST(CodecBpe, InvalidUtf8AndInexpressibleBytesRoundTrip) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  for (const char* vocab : {"gpt-2", "falcon"}) {
    auto m = load_bpe_model(dir + "/vocab/ggml-vocab-" + vocab + ".gguf");
    ASSERT_TRUE(m.is_ok()) << vocab << ": " << m.status().to_string();
    // falcon has no token for \x0b: the model never sees that frame (it is
    // stored or coded by a classic codec); it sees the others.
    std::string text = "Hello world.\nBad bytes: \xff\xfe\xc0\xaf here.\nVertical\x0btab.\nThe end.\n";
    Params p;
    p.frame_bytes = 16;
    Stats st;
    std::string z = compress_str(**m, text, p, &st);
    auto back = decompress_str(**m, z);
    ASSERT_TRUE(back.is_ok()) << vocab << ": " << back.status().to_string();
    EXPECT_EQ(*back, text) << vocab;
    const uint64_t evaluated = st.kind_frames[size_t(container::FrameKind::kCoded)] + st.model_lost;
    EXPECT_GT(evaluated, 0u) << vocab << ": the model coded no frame";
    if (std::string(vocab) == "falcon") {
      // Fewer than the frames cut (the file may hold them as one classic frame).
      size_t cut = 0;
      for (std::string_view rest(text); !rest.empty(); ++cut) rest.remove_prefix(next_frame_length(rest, 16, true));
      EXPECT_LT(evaluated, cut);
    }
  }
}

// Generates `total` bytes of text lines on the fly (never holds them all).
TEST(CodecModel, VocabularyAndEmbeddingCountsAreComparedBeforeBuilding) {
  // Issue 10 item 8: a 10M-token vocabulary with a 512-row embedding built the
  // whole tokenizer (5.6 s, 1.9 GB) before its error. The counts are compared
  // first: here the tokenizer could not even be built (unknown model type),
  // so only the early comparison gives the count error.
  auto builtin = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(builtin_model_bytes().data()),
                                       builtin_model_bytes().size(), "builtin");
  ASSERT_TRUE(builtin.is_ok()) << builtin.status().to_string();
  gguf::GgufWriter w;
  const uint64_t rows = (*builtin)->find_tensor("token_embd.weight")->ne[1];
  std::vector<std::string> tokens;
  for (uint64_t i = 0; i < rows * 50; ++i) tokens.push_back("t" + std::to_string(i));
  for (const auto& [key, val] : (*builtin)->metadata()) {
    if (key == "tokenizer.ggml.tokens") w.add_string_array(key, tokens);
    else if (key == "tokenizer.ggml.model") w.add_string(key, "no-such-tokenizer");
    else if (key.rfind("tokenizer.ggml.", 0) != 0 || key == "tokenizer.ggml.pre") w.add_value(key, val);
  }
  for (const auto& t : (*builtin)->tensors())
    w.add_tensor(t.name, t.ttype(), std::vector<uint64_t>(t.ne, t.ne + t.n_dims),
                 std::string(reinterpret_cast<const char*>(t.data), t.nbytes));
  const std::string bytes = w.finish();
  char tmpl[] = "/tmp/llmzip-vocab-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
  close(fd);
  auto m = load_model(tmpl);
  unlink(tmpl);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kCorrupt) << m.status().to_string();
  EXPECT_NE(m.status().message().find("the tokenizer has " + std::to_string(rows * 50) +
                                      " tokens but token_embd.weight has " + std::to_string(rows) + " rows"),
            std::string::npos)
      << m.status().message();
}

class LineSource : public ByteSource {
 public:
  LineSource(uint64_t total, std::string line) : total_(total), line_(std::move(line)) {}
  Result<size_t> read(void* buf, size_t n) override {
    size_t k = size_t(std::min<uint64_t>(n, total_ - pos_));
    char* out = static_cast<char*>(buf);
    for (size_t i = 0; i < k; ++i) out[i] = line_[(pos_ + i) % line_.size()];
    pos_ += k;
    return k;
  }
  int64_t size_hint() const override { return int64_t(total_); }
  const std::string& name() const override { return name_; }

 private:
  uint64_t total_, pos_ = 0;
  std::string line_, name_ = "<generated>";
};

// Keeps the compressed file (small) and hashes decompressed output.
class HashSink : public ByteSink {
 public:
  Status write(const void* b, size_t n) override {
    h.update(b, n);
    bytes += n;
    return Status::ok();
  }
  container::Xxh64 h;
  uint64_t bytes = 0;
};

long peak_rss_kb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

TEST(CodecStreaming, FiftyMegabytesWithBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "peak RSS means nothing under AddressSanitizer (quarantine, shadow memory)";
#endif
  LLMZIP_REQUIRE_TESTDATA(dir);
  // falcon's vocabulary cannot express \x0b, so these frames take the classic
  // path: the model is not run, which keeps 50 MB fast, while input buffering,
  // framing, container writing and reading are all exercised at full size.
  auto m = load_bpe_model(dir + "/vocab/ggml-vocab-falcon.gguf");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  const uint64_t total = 50ull << 20;
  const std::string line = "A line of text with a vertical\x0btab in it, number 12345.\n";
  const long before = peak_rss_kb();
  LineSource src(total, line);
  FILE* packed = std::tmpfile();  // on disk, so only the codec's own buffers count
  ASSERT_TRUE(packed);
  FileSink packed_sink(packed, "big.llmz");
  Stats st;
  Params p;
  p.threads = 2;
  ASSERT_TRUE(compress(**m, src, packed_sink, p, nullptr, &st).is_ok());
  EXPECT_EQ(st.in_bytes, total);
  EXPECT_EQ(st.tokens, 0u);  // no frame went to the model: all classic
  EXPECT_EQ(st.model_lost, 0u);
  std::fflush(packed);
  std::rewind(packed);
  FileSource zsrc(packed, "big.llmz");
  HashSink out;
  ASSERT_TRUE(decompress(**m, zsrc, out, p).is_ok());
  std::fclose(packed);
  EXPECT_EQ(out.bytes, total);
  LineSource again(total, line);
  container::Xxh64 want;
  std::vector<char> buf(1 << 20);
  for (;;) {
    size_t n = *again.read(buf.data(), buf.size());
    if (!n) break;
    want.update(buf.data(), n);
  }
  EXPECT_EQ(out.h.digest(), want.digest());
  // Both directions stream: memory holds a few groups of 64 KiB frames, not the input.
  const long grown_mb = (peak_rss_kb() - before) / 1024;
  EXPECT_LT(grown_mb, 40) << "peak RSS grew by " << grown_mb << " MB";
}

}  // namespace
}  // namespace llmzip::codec
