// The C API of include/llmzip/llmzip.h over codec/: handles own a LoadedModel
// or a codec run, every entry point turns Status into an error code plus a
// per-thread message, and catches whatever C++ could throw so nothing crosses
// the boundary.
//
// Streams: codec::compress/decompress pull from a ByteSource and push to a
// ByteSink. A stream handle runs one of them on its own thread between two
// bounded byte queues; the caller's push/pull calls fill the input queue and
// drain the output queue, so memory stays bounded and the bytes are exactly
// those of a one-shot call over the same input.
#include "llmzip/llmzip.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include "codec/codec.h"
#include "codec/distance.h"
#include "codec/scorer.h"
#include "common/sha256.h"
#include "container/format.h"
#include "container/reader.h"
#include "ops/isa.h"

static_assert(LLMZIP_FORMAT_VERSION == llmzip::container::kFormatVersion,
              "include/llmzip/llmzip.h: LLMZIP_FORMAT_VERSION must be the format this library writes");

struct llmzip_model {
  std::unique_ptr<llmzip::codec::LoadedModel> m;
  std::string sha256;
  int threads = 1;
};

namespace llmzip::api {
namespace {

thread_local std::string t_message;

int fail(const Status& st) {
  t_message = st.message();
  return int(st.code());
}
int fail(ErrorCode code, std::string message) { return fail(Status(code, std::move(message))); }

// Runs `body` (returning an int status) with every exception turned into a code.
template <class F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kInternal, "out of memory");
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(ErrorCode::kInternal, "internal error");
  }
}

// Validated settings of one call.
Result<codec::Params> params_of(const llmzip_model* m, const llmzip_options* user) {
  llmzip_options o;
  llmzip_options_init(&o);
  if (user) {
    if (user->struct_size < offsetof(llmzip_options, threads) + sizeof(int32_t) || user->struct_size > sizeof o)
      return Status(ErrorCode::kInvalidArgument, "llmzip_options.struct_size is " + std::to_string(user->struct_size) +
                                                     " (use llmzip_options_init)");
    std::memcpy(&o, user, user->struct_size);
  }
  if (o.threads < 0 || o.threads > 4096)
    return Status(ErrorCode::kInvalidArgument, "threads must be 0..4096, not " + std::to_string(o.threads));
  if (o.method < 0 || o.method > 2)
    return Status(ErrorCode::kInvalidArgument, "unknown method " + std::to_string(o.method) + " (0 ac, 1 rank-zlib, 2 tbyt)");
  if (o.adapt != 0 && o.adapt != 1) return Status(ErrorCode::kInvalidArgument, "adapt must be 0 or 1");
  if (o.reserved0 != 0) return Status(ErrorCode::kInvalidArgument, "llmzip_options.reserved0 must be 0");
  codec::Params p;
  p.threads = o.threads ? o.threads : m->threads;
  p.context = o.context;
  p.frame_bytes = o.frame_bytes;
  p.method = coder::Method(o.method);
  p.adapt = o.adapt == 1;
  return p;
}

codec::ScoreOptions score_options(const codec::Params& p) {
  codec::ScoreOptions s;
  s.context = p.context;
  s.frame_bytes = p.frame_bytes;
  s.threads = p.threads;
  s.adapt = p.adapt;
  return s;
}

// Writes into the caller's buffer; refuses to overflow it.
class BufferSink : public ByteSink {
 public:
  BufferSink(void* dst, size_t cap) : dst_(static_cast<char*>(dst)), cap_(cap) {}
  Status write(const void* b, size_t n) override {
    if (n > cap_ - used_)
      return Status(ErrorCode::kInvalidArgument, "destination buffer of " + std::to_string(cap_) + " bytes is too small");
    if (n) std::memcpy(dst_ + used_, b, n);
    used_ += n;
    return Status::ok();
  }
  size_t used() const { return used_; }

 private:
  char* dst_;
  size_t cap_, used_ = 0;
};

}  // namespace

// A codec run on its own thread between two bounded queues (see the top).
class Pipe {
 public:
  enum class Kind { kCompress, kDecompress };
  static constexpr size_t kQueueBytes = size_t(1) << 20;

  Pipe(const llmzip_model* m, codec::Params p, Kind kind, std::string name)
      : m_(m), p_(p), kind_(kind), source_(this, std::move(name)), sink_(this) {}
  ~Pipe() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  Status set_size(uint64_t size) {
    if (started_) return Status(ErrorCode::kInvalidArgument, "the pledged size must be set before the first input");
    size_hint_ = size > uint64_t(INT64_MAX) ? -1 : int64_t(size);
    return Status::ok();
  }

  // One push/pull step (llmzip_cstream_compress / llmzip_dstream_decompress).
  int step(llmzip_in_buffer* in, llmzip_out_buffer* out, bool finish) {
    if (!in || !out || in->pos > in->size || out->pos > out->size || (in->size > in->pos && !in->src) ||
        (out->size > out->pos && !out->dst))
      return fail(ErrorCode::kInvalidArgument, "invalid stream buffers");
    if (!started_) {
      started_ = true;
      thread_ = std::thread([this] { run(); });
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (in_end_ && in->pos < in->size)
      return fail(ErrorCode::kInvalidArgument, "input given after the stream was finished");
    for (;;) {
      // Hand out what output is ready, take what input fits.
      const size_t k = std::min(out->size - out->pos, out_q_.size() - out_head_);
      if (k) {
        std::memcpy(static_cast<char*>(out->dst) + out->pos, out_q_.data() + out_head_, k);
        out->pos += k;
        out_head_ += k;
        if (out_head_ == out_q_.size()) out_q_.clear(), out_head_ = 0;
      }
      const size_t pending_in = in_q_.size() - in_head_;
      const size_t take = std::min(in->size - in->pos, kQueueBytes - std::min(kQueueBytes, pending_in));
      if (take) {
        if (in_head_ > kQueueBytes) in_q_.erase(0, in_head_), in_head_ = 0;
        in_q_.append(static_cast<const char*>(in->src) + in->pos, take);
        in->pos += take;
      }
      if (finish && in->pos == in->size) in_end_ = true;
      if (k || take || in_end_) cv_.notify_all();

      if (done_ && !result_.is_ok()) return fail(result_);
      const bool out_pending = out_q_.size() > out_head_;
      if (done_ && in_end_ && !out_pending) return LLMZIP_STREAM_END;
      if (!finish && in->pos == in->size) return LLMZIP_OK;
      if (out->pos == out->size && out_pending) return LLMZIP_OK;
      cv_.wait(lock);
    }
  }

 private:
  class Source : public ByteSource {
   public:
    Source(Pipe* p, std::string name) : p_(p), name_(std::move(name)) {}
    Result<size_t> read(void* buf, size_t n) override { return p_->read(buf, n); }
    int64_t size_hint() const override { return p_->size_hint_; }
    const std::string& name() const override { return name_; }

   private:
    Pipe* p_;
    std::string name_;
  };
  class Sink : public ByteSink {
   public:
    explicit Sink(Pipe* p) : p_(p) {}
    Status write(const void* b, size_t n) override { return p_->write(b, n); }

   private:
    Pipe* p_;
  };

  Status cancelled() const { return Status(ErrorCode::kInvalidArgument, "stream freed before it finished"); }

  Result<size_t> read(void* buf, size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return cancelled_ || in_end_ || in_q_.size() > in_head_; });
    if (cancelled_) return cancelled();
    const size_t k = std::min(n, in_q_.size() - in_head_);
    std::memcpy(buf, in_q_.data() + in_head_, k);
    in_head_ += k;
    if (in_head_ == in_q_.size()) in_q_.clear(), in_head_ = 0;
    cv_.notify_all();
    return k;
  }

  Status write(const void* b, size_t n) {
    const char* p = static_cast<const char*>(b);
    while (n) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return cancelled_ || out_q_.size() - out_head_ < kQueueBytes; });
      if (cancelled_) return cancelled();
      if (out_head_ > kQueueBytes) out_q_.erase(0, out_head_), out_head_ = 0;
      const size_t k = std::min(n, kQueueBytes - (out_q_.size() - out_head_));
      out_q_.append(p, k);
      p += k;
      n -= k;
      cv_.notify_all();
    }
    return Status::ok();
  }

  void run() {
    Status st;
    try {
      st = kind_ == Kind::kCompress ? codec::compress(*m_->m, source_, sink_, p_)
                                    : codec::decompress(*m_->m, source_, sink_, p_);
    } catch (const std::bad_alloc&) {
      st = Status(ErrorCode::kInternal, "out of memory");
    } catch (...) {
      st = Status(ErrorCode::kInternal, "internal error");
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    result_ = st;
    cv_.notify_all();
  }

  const llmzip_model* m_;
  codec::Params p_;
  Kind kind_;
  Source source_;
  Sink sink_;
  int64_t size_hint_ = -1;
  bool started_ = false;  // caller's thread only
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::string in_q_, out_q_;  // bytes from *_head_ on are queued
  size_t in_head_ = 0, out_head_ = 0;
  bool in_end_ = false, cancelled_ = false, done_ = false;
  Status result_;
};

}  // namespace llmzip::api

struct llmzip_cstream {
  std::unique_ptr<llmzip::api::Pipe> pipe;
};
struct llmzip_dstream {
  std::unique_ptr<llmzip::api::Pipe> pipe;
};

using namespace llmzip;
using api::fail;
using api::guarded;

extern "C" {

const char* llmzip_version(void) { return LLMZIP_VERSION_STRING; }
unsigned llmzip_version_number(void) { return LLMZIP_VERSION_NUMBER; }
unsigned llmzip_format_version(void) { return container::kFormatVersion; }

const char* llmzip_error_name(int code) {
  if (code == LLMZIP_STREAM_END) return "stream_end";
  if (code < 0 || code > int(ErrorCode::kInternal)) return "unknown";
  return error_code_name(ErrorCode(code));
}

const char* llmzip_error_message(void) { return api::t_message.c_str(); }

void llmzip_options_init(llmzip_options* opt) {
  if (!opt) return;
  std::memset(opt, 0, sizeof *opt);
  opt->struct_size = sizeof *opt;
  opt->method = LLMZIP_METHOD_AC;
  opt->adapt = 1;
}

int llmzip_model_load(const char* path, llmzip_model** out) {
  return guarded([&] {
    if (!out) return fail(ErrorCode::kInvalidArgument, "llmzip_model_load: out is NULL");
    *out = nullptr;
    auto lm = codec::load_model(path ? path : "");
    if (!lm) return fail(lm.status());
    auto h = std::make_unique<llmzip_model>();
    h->m = std::move(lm).value();
    h->sha256 = Sha256::hex(h->m->fingerprint);
    *out = h.release();
    return int(LLMZIP_OK);
  });
}

void llmzip_model_free(llmzip_model* m) { delete m; }
const char* llmzip_model_name(const llmzip_model* m) { return m ? m->m->name.c_str() : ""; }
const char* llmzip_model_sha256(const llmzip_model* m) { return m ? m->sha256.c_str() : ""; }
const char* llmzip_model_path(const llmzip_model* m) { return m ? m->m->path.c_str() : ""; }
uint32_t llmzip_model_vocab_size(const llmzip_model* m) { return m ? uint32_t(m->m->tokenizer->n_vocab()) : 0; }
int llmzip_model_threads(const llmzip_model* m) { return m ? m->threads : 0; }

int llmzip_model_set_threads(llmzip_model* m, int threads) {
  if (!m) return fail(ErrorCode::kInvalidArgument, "llmzip_model_set_threads: model is NULL");
  if (threads < 1 || threads > 4096)
    return fail(ErrorCode::kInvalidArgument, "threads must be 1..4096, not " + std::to_string(threads));
  m->threads = threads;
  return LLMZIP_OK;
}

size_t llmzip_compress_bound(const llmzip_model* m, size_t src_size, const llmzip_options* opt) {
  // File header with the longest model name, index fixed part, footer: < 512.
  // Each frame adds at most a 24-byte header and a 25-byte index entry, and no
  // payload exceeds its frame's bytes. Frames other than the last hold at least
  // ceil(T/2) bytes (format.md section 4).
  uint64_t target = 1;
  if (m) {
    auto p = api::params_of(m, opt);
    if (p) {
      auto h = codec::make_header(*m->m, *p, int64_t(src_size));
      if (h) target = h->frame_bytes;
    }
  }
  const uint64_t frames = uint64_t(src_size) / ((target + 1) / 2) + 1;
  const uint64_t bound = uint64_t(src_size) + 512 + 64 * frames;
  return bound > SIZE_MAX ? SIZE_MAX : size_t(bound);
}

int llmzip_compress(const llmzip_model* m, const void* src, size_t src_size, void* dst, size_t dst_cap,
                    size_t* dst_size, const llmzip_options* opt) {
  return guarded([&] {
    if (!m || (!src && src_size) || (!dst && dst_cap) || !dst_size)
      return fail(ErrorCode::kInvalidArgument, "llmzip_compress: NULL argument");
    *dst_size = 0;
    auto p = api::params_of(m, opt);
    if (!p) return fail(p.status());
    MemorySource in(std::string_view(static_cast<const char*>(src), src_size), "<memory>");
    api::BufferSink out(dst, dst_cap);
    Status st = codec::compress(*m->m, in, out, *p);
    if (!st) return fail(st);
    *dst_size = out.used();
    return int(LLMZIP_OK);
  });
}

int llmzip_decompressed_size(const void* src, size_t src_size, uint64_t* size) {
  return guarded([&] {
    if ((!src && src_size) || !size) return fail(ErrorCode::kInvalidArgument, "llmzip_decompressed_size: NULL argument");
    *size = 0;
    MemorySource in(std::string_view(static_cast<const char*>(src), src_size), "<memory>");
    uint64_t total = 0;
    Status st = container::StreamReader::for_each_member(in, "<memory>", [&](container::StreamReader& r) {
      container::StreamReader::Frame f;
      for (;;) {
        auto more = r.next(&f);
        if (!more) return more.status();
        if (!*more) return Status::ok();
        total += f.header.original_size;
      }
    });
    if (!st) return fail(st);
    *size = total;
    return int(LLMZIP_OK);
  });
}

int llmzip_members(const void* src, size_t src_size, uint64_t* offsets, size_t capacity, size_t* n_members) {
  return guarded([&] {
    if ((!src && src_size) || (!offsets && capacity) || !n_members)
      return fail(ErrorCode::kInvalidArgument, "llmzip_members: NULL argument");
    *n_members = 0;
    MemorySource in(std::string_view(static_cast<const char*>(src), src_size), "<memory>");
    size_t n = 0;
    Status st = container::StreamReader::for_each_member(in, "<memory>", [&](container::StreamReader& r) {
      if (n < capacity) offsets[n] = r.member_offset();
      ++n;
      container::StreamReader::Frame f;
      for (;;) {
        auto more = r.next(&f);
        if (!more) return more.status();
        if (!*more) return Status::ok();
      }
    });
    if (!st) return fail(st);
    *n_members = n;
    return int(LLMZIP_OK);
  });
}

int llmzip_decompress(const llmzip_model* m, const void* src, size_t src_size, void* dst, size_t dst_cap,
                      size_t* dst_size, const llmzip_options* opt) {
  return guarded([&] {
    if (!m || (!src && src_size) || (!dst && dst_cap) || !dst_size)
      return fail(ErrorCode::kInvalidArgument, "llmzip_decompress: NULL argument");
    *dst_size = 0;
    auto p = api::params_of(m, opt);
    if (!p) return fail(p.status());
    MemorySource in(std::string_view(static_cast<const char*>(src), src_size), "<memory>");
    api::BufferSink out(dst, dst_cap);
    Status st = codec::decompress(*m->m, in, out, *p);
    if (!st) return fail(st);
    *dst_size = out.used();
    return int(LLMZIP_OK);
  });
}

int llmzip_cstream_create(const llmzip_model* m, const llmzip_options* opt, llmzip_cstream** out) {
  return guarded([&] {
    if (!m || !out) return fail(ErrorCode::kInvalidArgument, "llmzip_cstream_create: NULL argument");
    *out = nullptr;
    auto p = api::params_of(m, opt);
    if (!p) return fail(p.status());
    auto s = std::make_unique<llmzip_cstream>();
    s->pipe = std::make_unique<api::Pipe>(m, *p, api::Pipe::Kind::kCompress, "<stream>");
    *out = s.release();
    return int(LLMZIP_OK);
  });
}

void llmzip_cstream_free(llmzip_cstream* s) { delete s; }

int llmzip_cstream_set_pledged_size(llmzip_cstream* s, uint64_t size) {
  return guarded([&] {
    if (!s) return fail(ErrorCode::kInvalidArgument, "llmzip_cstream_set_pledged_size: stream is NULL");
    Status st = s->pipe->set_size(size);
    return st ? int(LLMZIP_OK) : fail(st);
  });
}

int llmzip_cstream_compress(llmzip_cstream* s, llmzip_in_buffer* in, llmzip_out_buffer* out, int finish) {
  return guarded([&] {
    if (!s) return fail(ErrorCode::kInvalidArgument, "llmzip_cstream_compress: stream is NULL");
    return s->pipe->step(in, out, finish != 0);
  });
}

int llmzip_dstream_create(const llmzip_model* m, const llmzip_options* opt, const char* name, llmzip_dstream** out) {
  return guarded([&] {
    if (!m || !out) return fail(ErrorCode::kInvalidArgument, "llmzip_dstream_create: NULL argument");
    *out = nullptr;
    auto p = api::params_of(m, opt);
    if (!p) return fail(p.status());
    auto s = std::make_unique<llmzip_dstream>();
    s->pipe = std::make_unique<api::Pipe>(m, *p, api::Pipe::Kind::kDecompress, name && *name ? name : "<stream>");
    *out = s.release();
    return int(LLMZIP_OK);
  });
}

void llmzip_dstream_free(llmzip_dstream* s) { delete s; }

int llmzip_dstream_decompress(llmzip_dstream* s, llmzip_in_buffer* in, llmzip_out_buffer* out, int finish) {
  return guarded([&] {
    if (!s) return fail(ErrorCode::kInvalidArgument, "llmzip_dstream_decompress: stream is NULL");
    return s->pipe->step(in, out, finish != 0);
  });
}

int llmzip_score(const llmzip_model* m, const void* text, size_t size, const llmzip_options* opt,
                 llmzip_score_result* result, llmzip_token_callback on_token, void* user) {
  return guarded([&] {
    if (!m || (!text && size) || !result) return fail(ErrorCode::kInvalidArgument, "llmzip_score: NULL argument");
    std::memset(result, 0, sizeof *result);
    auto p = api::params_of(m, opt);
    if (!p) return fail(p.status());
    codec::ScoreOptions so = api::score_options(*p);
    so.per_token = on_token != nullptr;
    auto r = codec::score(*m->m, std::string_view(static_cast<const char*>(text), size), so);
    if (!r) return fail(r.status());
    *result = {r->n_bytes, r->n_chars, r->n_tokens, r->n_frames, r->total_bits, r->model_bits};
    if (on_token) {
      for (const codec::TokenScore& t : r->tokens) {
        llmzip_token_score c{t.offset, t.id, t.n_bytes, t.bits, t.model_bits, t.rank, 0, t.entropy_bits};
        if (on_token(user, &c) != 0) break;
      }
    }
    return int(LLMZIP_OK);
  });
}

int llmzip_tokenize(const llmzip_model* m, const void* text, size_t size, int32_t* ids, size_t capacity,
                    size_t* n_ids) {
  return guarded([&] {
    if (!m || (!text && size) || (!ids && capacity) || !n_ids)
      return fail(ErrorCode::kInvalidArgument, "llmzip_tokenize: NULL argument");
    *n_ids = 0;
    auto r = m->m->tokenizer->encode(std::string_view(static_cast<const char*>(text), size));
    if (!r) return fail(r.status());
    std::copy_n(r->begin(), std::min(capacity, r->size()), ids);
    *n_ids = r->size();
    return int(LLMZIP_OK);
  });
}

int llmzip_token_bytes(const llmzip_model* m, int32_t id, const char** bytes, size_t* size) {
  return guarded([&] {
    if (!m || !bytes || !size) return fail(ErrorCode::kInvalidArgument, "llmzip_token_bytes: NULL argument");
    if (id < 0 || id >= m->m->tokenizer->n_vocab())
      return fail(ErrorCode::kInvalidArgument, "token id " + std::to_string(id) + " is outside the vocabulary of " +
                                                   std::to_string(m->m->tokenizer->n_vocab()));
    const std::string_view b = m->m->tokenizer->token_bytes_view(id);
    *bytes = b.data();
    *size = b.size();
    return int(LLMZIP_OK);
  });
}

int llmzip_distance(const llmzip_model* m, const void* x, size_t x_size, const void* y, size_t y_size,
                    const llmzip_options* opt, llmzip_distance_result* result) {
  return guarded([&] {
    if (!m || (!x && x_size) || (!y && y_size) || !result)
      return fail(ErrorCode::kInvalidArgument, "llmzip_distance: NULL argument");
    std::memset(result, 0, sizeof *result);
    auto p = api::params_of(m, opt);
    if (!p) return fail(p.status());
    auto d = codec::measure_distance(*m->m, std::string_view(static_cast<const char*>(x), x_size),
                                     std::string_view(static_cast<const char*>(y), y_size), api::score_options(*p));
    if (!d) return fail(d.status());
    *result = {d->cx, d->cy, d->cx_given_y, d->cy_given_x, d->cxy, d->nid, d->ncd};
    return int(LLMZIP_OK);
  });
}

}  // extern "C"
