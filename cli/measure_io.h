// Inputs and report files of the measuring commands.
#pragma once

#include <cstdint>
#include <string>

#include "cli/args.h"
#include "codec/loaded_model.h"
#include "codec/scorer.h"
#include "common/status.h"

namespace llmzip::cli {

// The whole content of `name` ("-": standard input). Errors name the file.
// The measuring commands need the text in memory (per-token offsets, the
// HTML view, distances of concatenations), unlike compress, which streams.
Result<std::string> read_input(const std::string& name);

// Writes a report (HTML, CSV, SVG, markdown) atomically: to a temporary file
// in the same folder, renamed over `path` when complete. An existing file is
// replaced only with `force` (-f), like every other output (kExists otherwise).
Status write_report(const std::string& path, const std::string& content, bool force);

// The context window the codec uses for `requested` tokens (0: the default,
// min(model's training context, codec::kDefaultContext)), for display.
uint32_t effective_context(const codec::LoadedModel& m, uint32_t requested);

// How a model is named in tables and pages: the file name given to -m (a
// GGUF's general.name is often just the architecture, "llama"), or the
// built-in model's name with "(built-in)" when `requested` is "".
std::string model_label(const codec::LoadedModel& m, const std::string& requested);

// Worker threads for -T (0: all cores).
int thread_count(int requested);

// Scoring options from the command line: --context, --frame-bytes, -T, --adapt/--no-adapt.
codec::ScoreOptions score_options(const Args& a);

}  // namespace llmzip::cli
