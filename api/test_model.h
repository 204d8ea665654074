// A tiny model for tests of the API and the Python package that must run fast
// without reference data: a random-weight llama (1 layer, 32 wide) with a
// byte-level BPE vocabulary of the 255 single bytes other than 0x0B. Text is
// coded byte by byte through the real engine; a frame holding a vertical tab
// cannot be tokenized and is stored without running the model, which is how a
// 100 MB stream goes through every layer of the codec in seconds.
#pragma once

#include <string>

#include "common/status.h"

namespace llmzip::api {

// The model's GGUF bytes (the same every call).
std::string tiny_test_model();
// Writes tiny_test_model() to `path`.
Status write_tiny_test_model(const std::string& path);

}  // namespace llmzip::api
