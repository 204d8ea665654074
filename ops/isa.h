// Instruction-set levels for the kernel dispatch table, CPU detection and the
// process-wide active level.
//
// Every level computes bit-identical results (see kernels.h); the level only
// changes speed. The active level starts as the best level the CPU supports,
// lowered by the environment variable LLMZIP_SIMD=scalar|avx2|avx512 (a request
// above what the CPU supports is clamped, with a message on stderr). Tests force
// a level with set_isa().
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmzip::ops {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
inline constexpr int kNumIsa = 3;

// "scalar", "avx2", "avx512".
const char* isa_name(Isa isa);
// Parses a name as above; nullopt if unknown.
std::optional<Isa> parse_isa(std::string_view name);

// Whether the CPU (and OS, via XGETBV) supports the level. kAvx2 needs AVX2,
// FMA and F16C; kAvx512 needs AVX-512 F, BW, VL, DQ and VNNI. Cached.
bool cpu_supports(Isa isa);
// Highest level the CPU supports.
Isa best_supported_isa();

// The level an LLMZIP_SIMD value selects on this CPU: null or empty means the
// best supported; a known name above what the CPU supports is clamped to the
// best supported and an unknown name also gives the best, each with a
// one-line explanation in *message (left empty otherwise).
Isa isa_from_env_value(const char* value, std::string* message);
// Whether that explanation for $LLMZIP_SIMD goes to stderr when the level is
// first chosen (default true; the C API turns it off: a library stays silent).
void set_isa_env_messages(bool to_stderr);

// Level the kernels() table currently uses (initialised on first use from the
// CPU and LLMZIP_SIMD).
Isa active_isa();
// Forces a level. Returns false (and changes nothing) if the CPU lacks it.
// Not thread-safe with concurrent kernel calls: call between forward passes.
bool set_isa(Isa isa);

}  // namespace llmzip::ops
