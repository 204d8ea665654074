// The llmzip subcommands other than compress/decompress/test (those live in
// main.cc). Each returns the process exit status and reports errors itself.
#pragma once

#include "cli/args.h"

namespace llmzip::cli {

void print_version();
int run_info(const Args& a);
int run_list(const Args& a);   // -l (cli/info_cmd.cc)
int run_tokenize(const Args& a);
int run_score(const Args& a);
int run_distance(const Args& a);  // distance and similar
int run_classify(const Args& a);
int run_bench(const Args& a);

// Prints "llmzip: <message>" to stderr and returns 1. In --json mode the
// error is also kept for the command's JSON document (print_json).
int report(const Status& st);

// --json mode: one JSON document per invocation, errors included.
void set_json_mode(bool on);
bool json_mode();
// Prints `object` (a JSON object text "{...}") and a newline on stdout, with
// the errors reported so far added as "errors":[{"code","code_value","message"}].
void print_json(std::string object);
// Whether print_json ran; if a --json command ends without it, main prints
// {"errors":[...]} so that even a failed run gives one document.
bool json_printed();

// The input files with -r directories expanded (sorted; symbolic links and,
// compressing, files with the suffix skipped: *n_skipped counts them, -v names
// them); "-" when no FILE was given. Unreadable directories are reported.
std::vector<std::string> expand_inputs(const Args& a, int* rc, size_t* n_skipped);

// Model path chosen by -m, else $LLMZIP_MODEL, else "" (built-in).
std::string model_path(const Args& a);

// JSON string literal for arbitrary bytes (invalid UTF-8 escaped as \u00XX of
// each byte, so the output is always valid JSON).
std::string json_string(std::string_view s);

}  // namespace llmzip::cli
