// llmzip command line: gzip/zstd conventions on top of codec/.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/help.h"
#include "cli/file_checks.h"
#include "cli/measure_io.h"
#include "cli/output_file.h"
#include "cli/progress.h"
#include "codec/codec.h"
#include "common/mapped_file.h"
#include "container/reader.h"
#include "ops/isa.h"

namespace llmzip::cli {
namespace {

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

codec::Params params_of(const Args& a) {
  const LevelSettings& lv = level_settings(a.level ? a.level : kDefaultLevel);
  codec::Params p;
  p.threads = thread_count(a.threads);
  p.context = a.context ? a.context : lv.context;
  p.frame_bytes = a.frame_bytes ? a.frame_bytes : lv.frame_bytes;
  p.frame_bytes_is_level = a.frame_bytes == 0;
  p.adapt = a.adapt.value_or(lv.adapt);
  p.max_frame_bytes = a.max_frame;
  p.method = *coder::parse_method(a.method);
  p.hash_cdfs = a.verbosity >= 2;
  return p;
}

// One line naming the file and the cause, as every error is reported.
int fail(const Status& st) { return report(st); }

// The model, loaded once on first use: -m, else $LLMZIP_MODEL, else built-in.
class ModelSource {
 public:
  explicit ModelSource(const Args& a) : path_(a.model) {
    if (path_.empty()) {
      const char* env = std::getenv("LLMZIP_MODEL");
      if (env && *env) path_ = env;
    }
  }
  Result<const codec::LoadedModel*> get() {
    if (!model_) {
      auto m = codec::load_model(path_);
      if (!m) return m.status();
      model_ = std::move(m).value();
    }
    return model_.get();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<codec::LoadedModel> model_;
};

// What one input amounted to, for the total line of several files.
struct Outcome {
  uint64_t raw = 0, packed = 0;  // uncompressed and compressed bytes (-dcf pass-through: both its size)
};

// Serves `prefix` (bytes already read to look at the magic) before the rest.
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string prefix, ByteSource& rest) : prefix_(std::move(prefix)), rest_(rest) {}
  Result<size_t> read(void* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      const size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return rest_.read(buf, n);
  }
  int64_t size_hint() const override { return rest_.size_hint(); }
  const std::string& name() const override { return rest_.name(); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  ByteSource& rest_;
};

// The original size an archive's footer records, when `path` is one whole
// regular .llmz file; -1 otherwise (a pipe, a concatenation, a damaged file:
// decompress reports those properly).
int64_t archive_original_size(const std::string& path) {
  auto mf = MappedFile::open(path);
  if (!mf) return -1;
  auto r = container::ArchiveReader::open((*mf)->data(), (*mf)->size(), path);
  return r ? int64_t(r->footer().total_original_size) : -1;
}

// Compress, decompress or test one input. `in_name` is a path or "-".
Status process_one(const Args& a, ModelSource& models, const std::string& in_name, Outcome* outcome) {
  const bool decompressing = a.command != Command::kCompress;
  const bool testing = a.command == Command::kTest;
  const bool from_stdin = in_name == "-";
  const std::string& suffix = a.suffix;

  // Decide where the output goes.
  std::string out_name;  // empty: stdout (or nowhere for test)
  if (!testing) {
    if (!a.output.empty()) {
      out_name = a.output == "-" ? "" : a.output;
    } else if (a.to_stdout || from_stdin) {
      out_name = "";
    } else if (!decompressing) {
      if (ends_with(in_name, suffix))
        return Status(ErrorCode::kInvalidArgument, in_name + ": already has the " + suffix +
                                                       " suffix, skipped (use -c or -o to compress it anyway)");
      out_name = in_name + suffix;
    } else {
      if (!ends_with(in_name, suffix))
        return Status(ErrorCode::kInvalidArgument,
                      in_name + ": unknown suffix, expected " + suffix + " (use -S SUF, -o or -c to choose the output)");
      out_name = in_name.substr(0, in_name.size() - suffix.size());
      if (out_name.empty() || out_name.back() == '/')
        return Status(ErrorCode::kInvalidArgument, in_name + ": no name left after removing " + suffix +
                                                       " (use -o or -c)");
    }
  }
  const bool to_stdout = !testing && out_name.empty();
  if (to_stdout && !decompressing && isatty(STDOUT_FILENO) && !a.force)
    return Status(ErrorCode::kInvalidArgument,
                  "refusing to write compressed data to a terminal (use -o FILE, redirect, or -f)");
  if (from_stdin && isatty(STDIN_FILENO) && !a.force)
    return Status(ErrorCode::kInvalidArgument,
                  decompressing ? "refusing to read compressed data from a terminal (give a FILE.llmz, redirect, or -f)"
                                : "standard input is a terminal: give a FILE, redirect input, or use -f (see llmzip --help)");

  // Open the input; check what may be written and removed before any work.
  FILE* in = stdin;
  int64_t in_size = -1;
  std::optional<InputFile> input;
  if (!from_stdin) {
    auto f = InputFile::open(in_name, a.force);
    if (!f) return f.status();
    input.emplace(std::move(f).value());
    in = input->stream();
    in_size = input->size();
  }
  LLMZIP_RETURN_IF_ERROR(check_output(out_name, input ? &*input : nullptr, in_name, models.path()));
  const bool removing = a.remove_input && input && !to_stdout && !testing;
  if (removing) {
    LLMZIP_RETURN_IF_ERROR(input->check_removable(a.force));
    if (!models.path().empty() && same_file(input->stat_at_open(), models.path()))
      return Status(ErrorCode::kInvalidArgument,
                    in_name + ": is the model in use, not removed (nothing could decode the archive without it)");
  }
  const std::string shown_in = from_stdin ? "<stdin>" : in_name;
  FileSource file_source(in, shown_in, in_size);
  ByteSource* source = &file_source;

  // -dcf: what is not an archive passes through unchanged, as zcat -f does.
  std::unique_ptr<PrefixedSource> prefixed;
  if (decompressing && !testing && to_stdout && a.force) {
    char head[sizeof container::kFileMagic];
    size_t got = 0;
    while (got < sizeof head) {
      auto n = file_source.read(head + got, sizeof head - got);
      if (!n) return n.status();
      if (*n == 0) break;
      got += *n;
    }
    prefixed = std::make_unique<PrefixedSource>(std::string(head, got), file_source);
    source = prefixed.get();
    if (got < sizeof head || std::memcmp(head, container::kFileMagic, sizeof head) != 0) {
      std::vector<char> buf(1 << 16);
      uint64_t copied = 0;
      for (;;) {
        auto n = source->read(buf.data(), buf.size());
        if (!n) return n.status();
        if (*n == 0) break;
        if (std::fwrite(buf.data(), 1, *n, stdout) != *n) return Status(ErrorCode::kIo, "<stdout>: write error");
        copied += *n;
      }
      if (std::fflush(stdout) != 0) return Status(ErrorCode::kIo, "<stdout>: write error");
      if (a.verbosity >= 2) std::fprintf(stderr, "%s: not an .llmz file, passed through (%llu bytes)\n", shown_in.c_str(), (unsigned long long)copied);
      *outcome = {copied, copied};
      return Status::ok();
    }
  }

  auto model = models.get();
  if (!model) return model.status();

  std::unique_ptr<OutputFile> out_file;
  FILE* out = stdout;
  if (!to_stdout && !testing) {
    auto o = OutputFile::create(out_name, a.force);
    if (!o) return o.status();
    out_file = std::move(o).value();
    out = out_file->stream();
  }
  FileSink file_sink(out, out_name.empty() ? "<stdout>" : out_name);
  NullSink null_sink;
  ByteSink& sink = testing ? static_cast<ByteSink&>(null_sink) : file_sink;

  // Progress counts uncompressed bytes both ways: decompressing, the decoded
  // bytes against the original size the footer records.
  const bool show_progress = a.progress == 1 || (a.progress < 0 && a.verbosity >= 1 && isatty(STDERR_FILENO));
  const int64_t raw_total = !decompressing ? in_size : (show_progress && !from_stdin ? archive_original_size(in_name) : -1);
  ProgressLine progress(show_progress, shown_in);
  auto on_progress = [&](const codec::Progress& p) {
    if (!decompressing) {
      progress.update(p.in_bytes, raw_total, p.in_bytes ? 8.0 * double(p.out_bytes) / double(p.in_bytes) : -1.0);
    } else {
      const double bpb = raw_total > 0 && in_size > 0 ? 8.0 * double(in_size) / double(raw_total)
                         : p.settled_out ? 8.0 * double(p.settled_in) / double(p.settled_out) : -1.0;
      progress.update(p.out_bytes, raw_total, bpb);
    }
  };

  codec::Params params = params_of(a);
  // A level's context is clamped to what the model was trained on (an
  // explicit --context is not: make_header reports it).
  const int64_t n_ctx_train = (*model)->model->config().n_ctx_train;
  if (!a.context && n_ctx_train > 0 && params.context > uint64_t(n_ctx_train)) params.context = uint32_t(n_ctx_train);
  if (!decompressing && a.frame_bytes > codec::default_max_frame_bytes(a.context) && a.verbosity >= 1)
    std::fprintf(stderr, "llmzip: note: %s: frames of %llu bytes; decompressing it needs --max-frame=%llu\n",
                 shown_in.c_str(), (unsigned long long)a.frame_bytes, (unsigned long long)a.frame_bytes);
  codec::Stats stats;
  const auto t0 = std::chrono::steady_clock::now();
  Status st = decompressing ? codec::decompress(**model, *source, sink, params, on_progress, &stats)
                            : codec::compress(**model, *source, sink, params, on_progress, &stats);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.clear();
  if (!st) return st;  // out_file's destructor removes the temporary file

  if (!decompressing && a.verify && out_file && out_file->in_place()) {
    if (a.verbosity >= 1)
      std::fprintf(stderr, "llmzip: note: %s: not verified (not a regular file)%s\n", out_name.c_str(),
                   removing ? ", input kept" : "");
  } else if (!decompressing && a.verify && out_file) {
    // Prove the archive decodes before it replaces anything: a full decode of
    // the temporary file checks every frame and the content checksum, which
    // the writer computed over exactly the bytes it read.
    if (std::fflush(out) != 0) return Status(ErrorCode::kIo, out_name + ": write error: " + std::strerror(errno));
    FILE* check = std::fopen(out_file->temp_path().c_str(), "rb");
    if (!check)
      return Status(ErrorCode::kIo, out_name + ": cannot reopen for verification: " + std::strerror(errno));
    FileSource csrc(check, out_name);
    NullSink nothing;
    codec::Stats vstats;
    codec::Params vparams = params;  // our own file: its frames are what we asked for
    vparams.max_frame_bytes = container::kMaxFrameOriginalSize;
    Status vs = codec::decompress(**model, csrc, nothing, vparams, nullptr, &vstats);
    std::fclose(check);
    if (!vs) return Status(vs.code(), "verification failed, input kept: " + vs.message());
    if (vstats.out_bytes != stats.in_bytes)
      return Status(ErrorCode::kInternal, out_name + ": verification failed: decoded size differs from the input");
  }

  if (out_file) {
    LLMZIP_RETURN_IF_ERROR(out_file->commit(from_stdin ? "" : in_name));
  } else if (!testing) {
    if (std::fflush(stdout) != 0) return Status(ErrorCode::kIo, std::string("<stdout>: write error: ") + std::strerror(errno));
  }
  if (removing && !out_file->in_place()) {
    // The archive holds what was read; the input goes only if that is all of it.
    LLMZIP_RETURN_IF_ERROR(input->check_unchanged(stats.in_bytes));
    if (unlink(in_name.c_str()) != 0)
      return Status(ErrorCode::kIo, in_name + ": cannot remove input: " + std::strerror(errno));
  }

  const uint64_t raw = decompressing ? stats.out_bytes : stats.in_bytes;
  const uint64_t packed = decompressing ? stats.in_bytes : stats.out_bytes;
  *outcome = {raw, packed};
  if (a.verbosity >= 2 || (a.verbosity >= 1 && isatty(STDERR_FILENO) && !to_stdout) || (testing && a.verbosity >= 1)) {
    double bpb = raw ? 8.0 * double(packed) / double(raw) : 0.0;
    // -v adds the fingerprint of every frequency table: equal on both sides;
    // -vv the frames, tokens, time and the settings used.
    std::string extra;
    char b[256];
    if (params.hash_cdfs) {
      std::snprintf(b, sizeof b, ", cdf hash %016llx", (unsigned long long)stats.cdf_hash);
      extra += b;
    }
    if (a.verbosity >= 3) {
      std::snprintf(b, sizeof b, "; %llu frames (%llu stored), %llu tokens, %.2f s, %.1f KiB/s",
                    (unsigned long long)stats.frames, (unsigned long long)stats.raw_frames,
                    (unsigned long long)stats.tokens, secs, secs > 0 ? double(raw) / 1024.0 / secs : 0.0);
      extra += b;
      if (!decompressing) {
        auto h = codec::make_header(**model, params, in_size);
        if (h) {
          std::snprintf(b, sizeof b, "; level %d: context %u, frames of %u bytes, adapt %s, method %s",
                        a.level ? a.level : kDefaultLevel, h->n_ctx, h->frame_bytes, params.adapt ? "on" : "off",
                        a.method.c_str());
          extra += b;
        }
      }
    }
    if (testing)
      std::fprintf(stderr, "%s: OK (%llu bytes, %llu frames%s)\n", shown_in.c_str(), (unsigned long long)raw,
                   (unsigned long long)stats.frames, extra.c_str());
    else
      std::fprintf(stderr, "%s: %llu => %llu bytes (%.3f bits/byte, %.2f%%%s)%s%s\n", shown_in.c_str(),
                   (unsigned long long)(decompressing ? packed : raw), (unsigned long long)(decompressing ? raw : packed),
                   bpb, raw ? 100.0 * double(packed) / double(raw) : 0.0, extra.c_str(), out_name.empty() ? "" : ", ",
                   out_name.c_str());
  }
  return Status::ok();
}

int run_codec(const Args& a) {
  int rc = 0;
  size_t skipped = 0;
  const std::vector<std::string> inputs = expand_inputs(a, &rc, &skipped);
  if (!a.output.empty() && inputs.size() > 1) return fail(Status(ErrorCode::kInvalidArgument, "-o needs exactly one input file"));
  ModelSource models(a);
  uint64_t raw = 0, packed = 0;
  size_t done = 0, failed = 0, named_skipped = 0;
  for (const auto& f : inputs) {
    const bool derived_name = a.command == Command::kCompress && a.output.empty() && !a.to_stdout;
    if (auto why = skip_reason(f, derived_name, a.force)) {
      // A warning, as zstd gives for links: the exit status says whether
      // anything was done at all.
      if (a.verbosity >= 1) std::fprintf(stderr, "llmzip: %s\n", printable(*why).c_str());
      ++skipped;
      ++named_skipped;
      continue;
    }
    Outcome o;
    Status st;
    try {
      st = process_one(a, models, f, &o);
    } catch (const std::bad_alloc&) {
      // Temporary outputs are removed by their destructors during unwinding.
      st = Status(ErrorCode::kLimit, (f == "-" ? std::string("<stdin>") : f) + ": out of memory");
    } catch (const std::system_error& e) {  // threads that could not start (ulimit -v, -u)
      st = Status(ErrorCode::kLimit, (f == "-" ? std::string("<stdin>") : f) + ": " + e.what());
    }
    if (!st) {
      rc = fail(st);
      ++failed;
      continue;
    }
    ++done;
    raw += o.raw;
    packed += o.packed;
  }
  // A total line for several files, as zstd prints one.
  const bool chatty = a.verbosity >= 2 || (a.verbosity >= 1 && (isatty(STDERR_FILENO) || a.command == Command::kTest));
  if (chatty && inputs.size() - named_skipped + skipped > 1) {
    const char* verb = a.command == Command::kCompress ? "compressed" : a.command == Command::kTest ? "tested" : "decompressed";
    std::string tail;
    if (failed) tail += ", " + std::to_string(failed) + " failed";
    if (skipped) tail += ", " + std::to_string(skipped) + " skipped";
    std::fprintf(stderr, "%zu file%s %s: %.2f %% (%llu => %llu bytes, %.3f bits/byte)%s\n", done, done == 1 ? "" : "s",
                 verb, raw ? 100.0 * double(packed) / double(raw) : 0.0,
                 (unsigned long long)(a.command == Command::kCompress ? raw : packed),
                 (unsigned long long)(a.command == Command::kCompress ? packed : raw),
                 raw ? 8.0 * double(packed) / double(raw) : 0.0, tail.c_str());
  }
  // 1 when every input named was skipped (zstd); files skipped inside -r
  // directories do not count.
  return named_skipped == inputs.size() ? 1 : rc;
}

}  // namespace
}  // namespace llmzip::cli

namespace llmzip::cli {
int dispatch(const Args& a);
}

int main(int argc, char** argv) {
  using namespace llmzip::cli;
  std::vector<std::string> words(argv + 1, argv + argc);
  auto args = parse_args(words);
  if (!args) {
    // Even a command line that does not parse gives one JSON document with --json.
    bool json = false;
    for (const auto& w : words) {
      if (w == "--") break;
      json |= w == "--json";
    }
    set_json_mode(json);
    report(args.status());
    if (json) print_json("{}");
    return 1;
  }
  set_json_mode(args->json);
  install_cleanup_handlers();
  int rc;
  // The kernels' library does not print; what it had to say about LLMZIP_SIMD is
  // shown here (not with --json, whose stderr carries JSON only).
  if (const std::string& note = llmzip::ops::isa_env_message(); !note.empty() && !args->json)
    std::fprintf(stderr, "llmzip: %s\n", note.c_str());
  try {
    rc = dispatch(*args);
  } catch (const std::bad_alloc&) {
    // Temporary outputs are removed by their destructors during unwinding.
    rc = report(llmzip::Status(llmzip::ErrorCode::kInternal, "out of memory"));
  }
  if (args->json && !json_printed()) print_json("{}");
  return rc;
}

namespace llmzip::cli {
int dispatch(const Args& a) {
  switch (a.command) {
    case Command::kHelp: {
      const std::string h = a.help_topic ? command_help(*a.help_topic) : usage_text();
      std::fputs(h.c_str(), stdout);
      return 0;
    }
    case Command::kVersion: print_version(); return 0;
    case Command::kCompress:
    case Command::kDecompress:
    case Command::kTest: return run_codec(a);
    case Command::kList: return run_list(a);
    case Command::kInfo: return run_info(a);
    case Command::kTokenize: return run_tokenize(a);
    case Command::kScore: return run_score(a);
    case Command::kDistance:
    case Command::kSimilar: return run_distance(a);
    case Command::kClassify: return run_classify(a);
    case Command::kBench: return run_bench(a);
  }
  return 1;
}
}  // namespace llmzip::cli
