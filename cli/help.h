// Every text that documents the command line, rendered from the one option
// table (cli/args.h): `llmzip --help`, `llmzip help COMMAND`, the man page
// docs/llmzip.1 and the bash completion docs/llmzip.bash. The committed files
// are the output of `build/cli/llmzip_docs man|bash` (cli/gen_docs.cc);
// cli/cli_conventions_test.cc fails when they drift from the table.
#pragma once

#include <string>
#include <string_view>

#include "cli/args.h"

namespace llmzip::cli {

// The general help: commands, every option, exit status.
std::string usage_text();
// One command's synopsis, description and the options that apply to it.
std::string command_help(Command c);
// The man page (roff). `levels_csv`: bench/levels.csv, whose measured sizes and
// speeds are tabulated beside each level's settings ("" leaves them out).
std::string man_page(std::string_view levels_csv);
// A bash completion script: command words, each command's own options, files.
std::string bash_completion();

}  // namespace llmzip::cli
