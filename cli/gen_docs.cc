// llmzip_docs: writes the documents generated from the option table (cli/help.h)
// to standard output. `llmzip_docs man bench/levels.csv > docs/llmzip.1`,
// `llmzip_docs bash > docs/llmzip.bash`. Not installed.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "cli/help.h"

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  if (what == "man") {
    std::string csv;
    if (argc > 2) {
      std::ifstream f(argv[2], std::ios::binary);
      if (!f) {
        std::fprintf(stderr, "llmzip_docs: %s: cannot open for reading\n", argv[2]);
        return 1;
      }
      csv.assign(std::istreambuf_iterator<char>(f), {});
    }
    std::fputs(llmzip::cli::man_page(csv).c_str(), stdout);
    return 0;
  }
  if (what == "bash") {
    std::fputs(llmzip::cli::bash_completion().c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "usage: llmzip_docs man [bench/levels.csv] | bash\n");
  return 1;
}
