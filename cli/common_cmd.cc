#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <vector>

#include "cli/commands.h"
#include "codec/codec.h"
#include "container/format.h"
#include "model/model.h"
#include "tokenizer/unicode.h"

namespace llmzip::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

// -r: the regular files below `dir`, sorted; symbolic links are skipped (as
// zstd -r does) and so, compressing, are files that already have the suffix.
void walk(const Args& a, const std::string& dir, std::vector<std::string>* files, std::vector<std::string>* skipped,
          int* rc) {
  DIR* d = opendir(dir.c_str());
  if (!d) {
    *rc = report(Status(ErrorCode::kIo, dir + ": cannot open directory: " + std::strerror(errno)));
    return;
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    const std::string p = dir.back() == '/' ? dir + n : dir + "/" + n;
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) {
      *rc = report(Status(ErrorCode::kIo, p + ": " + std::strerror(errno)));
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      skipped->push_back(p + ": symbolic link, skipped");
    } else if (S_ISDIR(st.st_mode)) {
      walk(a, p, files, skipped, rc);
    } else if (!S_ISREG(st.st_mode)) {
      skipped->push_back(p + ": not a regular file, skipped");
    } else if (a.command == Command::kCompress && ends_with(p, a.suffix)) {
      skipped->push_back(p + ": already has the " + a.suffix + " suffix, skipped");
    } else if (a.command != Command::kCompress && !ends_with(p, a.suffix)) {
      continue;  // not an archive: nothing to decompress, test or list (quietly, as zstd -dr)
    } else {
      files->push_back(p);
    }
  }
}

bool g_json = false, g_json_printed = false;
std::vector<Status> g_errors;
}  // namespace

int report(const Status& st) {
  std::fprintf(stderr, "llmzip: %s\n", printable(st.message()).c_str());  // messages quote untrusted text
  if (g_json) g_errors.push_back(st);
  return 1;
}

void set_json_mode(bool on) { g_json = on; }
bool json_mode() { return g_json; }
bool json_printed() { return g_json_printed; }

void print_json(std::string object) {
  if (!g_errors.empty()) {
    std::string e = "\"errors\":[";
    for (size_t i = 0; i < g_errors.size(); ++i)
      e += std::string(i ? "," : "") + "{\"code\":\"" + error_code_name(g_errors[i].code()) +
           "\",\"code_value\":" + std::to_string(int(g_errors[i].code())) +
           ",\"message\":" + json_string(g_errors[i].message()) + "}";
    e += "]";
    object.insert(object.size() - 1, object.size() > 2 ? "," + e : e);
  }
  object += "\n";
  std::fputs(object.c_str(), stdout);
  g_json_printed = true;
}

std::string model_path(const Args& a) {
  if (!a.model.empty()) return a.model;
  const char* env = std::getenv("LLMZIP_MODEL");
  return env && *env ? env : "";
}

std::string json_string(std::string_view s) {
  std::string o = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    const size_t n = tokenizer::decode_utf8(s, i, nullptr);
    if (n == 0) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);  // a raw byte that is not UTF-8
      o += b;
    } else if (n == 1) {
      switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\r': o += "\\r"; break;
        case '\t': o += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
          } else {
            o += char(c);
          }
      }
    } else {
      o.append(s.substr(i, n));
      i += n - 1;
    }
  }
  return o + "\"";
}

// The inputs with -r directories expanded; "-" when there are none.
std::vector<std::string> expand_inputs(const Args& a, int* rc, size_t* n_skipped) {
  std::vector<std::string> inputs, skipped;
  for (const auto& f : a.files) {
    struct stat st;
    if (a.recursive && f != "-" && stat(f.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      walk(a, f, &inputs, &skipped, rc);
    else
      inputs.push_back(f);
  }
  if (a.files.empty()) inputs.push_back("-");
  for (const auto& s : skipped)
    if (a.verbosity >= 2) std::fprintf(stderr, "llmzip: %s\n", s.c_str());
  *n_skipped = skipped.size();
  return inputs;
}

void print_version() {
  std::printf("llmzip %s (writes .llmz format %u, reads %u-%u; numerics %u)\n", LLMZIP_VERSION,
              unsigned{container::kFormatVersion}, unsigned{container::kMinFormatVersion},
              unsigned{container::kFormatVersion}, unsigned{model::kNumericsVersion});
}

}  // namespace llmzip::cli
