// llmzip command line: gzip/zstd conventions on top of codec/.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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
#include "cli/file_checks.h"
#include "cli/measure_io.h"
#include "cli/output_file.h"
#include "cli/progress.h"
#include "codec/codec.h"

namespace llmzip::cli {
namespace {

constexpr const char* kSuffix = ".llmz";

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

codec::Params params_of(const Args& a) {
  codec::Params p;
  p.threads = thread_count(a.threads);
  p.context = a.context;
  p.frame_bytes = a.frame_bytes;
  p.max_frame_bytes = a.max_frame;
  p.method = *coder::parse_method(a.method);
  p.hash_cdfs = a.verbosity >= 2;
  return p;
}

// One line naming the file and the cause, as every error is reported.
int fail(const Status& st) {
  std::fprintf(stderr, "llmzip: %s\n", printable(st.message()).c_str());  // messages quote untrusted text
  return 1;
}

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

// Compress, decompress or test one input. `in_name` is a path or "-".
Status process_one(const Args& a, ModelSource& models, const std::string& in_name) {
  const bool decompressing = a.command != Command::kCompress;
  const bool testing = a.command == Command::kTest;
  const bool from_stdin = in_name == "-";

  // Decide where the output goes.
  std::string out_name;  // empty: stdout (or nowhere for test)
  if (!testing) {
    if (!a.output.empty()) {
      out_name = a.output == "-" ? "" : a.output;
    } else if (a.to_stdout || from_stdin) {
      out_name = "";
    } else if (!decompressing) {
      out_name = in_name + kSuffix;  // skip_reason() passed over names that have it
    } else {
      if (!ends_with(in_name, kSuffix))
        return Status(ErrorCode::kInvalidArgument,
                      in_name + ": unknown suffix, expected " + kSuffix + " (use -o or -c to choose the output)");
      out_name = in_name.substr(0, in_name.size() - 5);
      if (out_name.empty() || out_name.back() == '/')
        return Status(ErrorCode::kInvalidArgument, in_name + ": no name left after removing " + kSuffix +
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
  FileSource source(in, shown_in, in_size);

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

  const bool show_progress = a.verbosity >= 1 && isatty(STDERR_FILENO);
  ProgressLine progress(show_progress, shown_in);
  auto on_progress = [&](const codec::Progress& p) { progress.update(p.in_bytes, p.out_bytes, p.in_total, p.settled_in, p.settled_out, decompressing); };

  codec::Params params = params_of(a);
  if (!decompressing && a.frame_bytes > codec::default_max_frame_bytes(a.context) && a.verbosity >= 1)
    std::fprintf(stderr, "llmzip: note: %s: frames of %llu bytes; decompressing it needs --max-frame=%llu\n",
                 shown_in.c_str(), (unsigned long long)a.frame_bytes, (unsigned long long)a.frame_bytes);
  codec::Stats stats;
  Status st = decompressing ? codec::decompress(**model, source, sink, params, on_progress, &stats)
                            : codec::compress(**model, source, sink, params, on_progress, &stats);
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

  if (a.verbosity >= 2 || (a.verbosity >= 1 && isatty(STDERR_FILENO) && !to_stdout) || (testing && a.verbosity >= 1)) {
    uint64_t raw = decompressing ? stats.out_bytes : stats.in_bytes;
    uint64_t packed = decompressing ? stats.in_bytes : stats.out_bytes;
    double bpb = raw ? 8.0 * double(packed) / double(raw) : 0.0;
    // -v adds the fingerprint of every frequency table: equal on both sides.
    char hash[48] = "";
    if (params.hash_cdfs) std::snprintf(hash, sizeof hash, ", cdf hash %016llx", (unsigned long long)stats.cdf_hash);
    if (testing)
      std::fprintf(stderr, "%s: OK (%llu bytes, %llu frames%s)\n", shown_in.c_str(), (unsigned long long)raw,
                   (unsigned long long)stats.frames, hash);
    else
      std::fprintf(stderr, "%s: %llu => %llu bytes (%.3f bits/byte, %.2f%%%s)%s%s\n", shown_in.c_str(),
                   (unsigned long long)(decompressing ? packed : raw), (unsigned long long)(decompressing ? raw : packed),
                   bpb, raw ? 100.0 * double(packed) / double(raw) : 0.0, hash, out_name.empty() ? "" : ", ",
                   out_name.c_str());
  }
  return Status::ok();
}

int run_codec(const Args& a) {
  std::vector<std::string> inputs = a.files;
  if (inputs.empty()) inputs.push_back("-");
  if (!a.output.empty() && inputs.size() > 1) return fail(Status(ErrorCode::kInvalidArgument, "-o needs exactly one input file"));
  ModelSource models(a);
  int rc = 0;
  size_t skipped = 0;
  for (const auto& f : inputs) {
    const bool derived_name = a.command == Command::kCompress && a.output.empty() && !a.to_stdout;
    if (auto why = skip_reason(f, derived_name, a.force)) {
      // A warning, as zstd gives for links: the exit status says whether
      // anything was done at all.
      if (a.verbosity >= 1) std::fprintf(stderr, "llmzip: %s\n", printable(*why).c_str());
      ++skipped;
      continue;
    }
    Status st;
    try {
      st = process_one(a, models, f);
    } catch (const std::bad_alloc&) {
      // Temporary outputs are removed by their destructors during unwinding.
      st = Status(ErrorCode::kLimit, (f == "-" ? std::string("<stdin>") : f) + ": out of memory");
    } catch (const std::system_error& e) {  // threads that could not start (ulimit -v, -u)
      st = Status(ErrorCode::kLimit, (f == "-" ? std::string("<stdin>") : f) + ": " + e.what());
    }
    if (!st) rc = fail(st);
  }
  return skipped == inputs.size() ? 1 : rc;
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
    std::fprintf(stderr, "llmzip: %s\n", llmzip::printable(args.status().message()).c_str());
    return 1;
  }
  install_cleanup_handlers();
  try {
    return dispatch(*args);
  } catch (const std::bad_alloc&) {
    // Temporary outputs are removed by their destructors during unwinding.
    std::fprintf(stderr, "llmzip: out of memory\n");
    return 1;
  }
}

namespace llmzip::cli {
int dispatch(const Args& a) {
  switch (a.command) {
    case Command::kHelp: std::fputs(usage_text(), stdout); return 0;
    case Command::kVersion: print_version(); return 0;
    case Command::kCompress:
    case Command::kDecompress:
    case Command::kTest: return run_codec(a);
    case Command::kInfo: return run_info(a);
    case Command::kTokenize: return run_tokenize(a);
    case Command::kScore: return run_score(a);
    case Command::kDistance:
    case Command::kSimilar: return run_distance(a);
    case Command::kBench: return run_bench(a);
  }
  return 1;
}
}  // namespace llmzip::cli
