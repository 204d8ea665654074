// The llmzip subcommands other than compress/decompress/test (those live in
// main.cc). Each returns the process exit status and reports errors itself.
#pragma once

#include "cli/args.h"

namespace llmzip::cli {

void print_version();
int run_info(const Args& a);
int run_tokenize(const Args& a);
int run_score(const Args& a);
int run_distance(const Args& a);  // distance and similar
int run_classify(const Args& a);
int run_bench(const Args& a);

// Prints "llmzip: <message>" to stderr and returns 1.
int report(const Status& st);

// Model path chosen by -m, else $LLMZIP_MODEL, else "" (built-in).
std::string model_path(const Args& a);

// JSON string literal for arbitrary bytes (invalid UTF-8 escaped as \u00XX of
// each byte, so the output is always valid JSON).
std::string json_string(std::string_view s);

}  // namespace llmzip::cli
