#include "ops/isa.h"

#include <atomic>
#include <cpuid.h>
#include <cstdlib>
#include <cstdint>

namespace llmzip::ops {
namespace {

struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false;
};

uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  const bool fma = c & (1u << 12);
  const bool f16c = c & (1u << 29);
  const bool avx = c & (1u << 28);
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_os = (xcr0 & 0x6) == 0x6;
  const bool zmm_os = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
             avx512vl = b & (1u << 31);
  const bool avx512vnni = c & (1u << 11);
  f.avx2 = ymm_os && avx2 && fma && f16c;
  f.avx512 = f.avx2 && zmm_os && avx512f && avx512dq && avx512bw && avx512vl && avx512vnni;
#endif
  return f;
}

const CpuFeatures& features() {
  static const CpuFeatures f = detect();
  return f;
}

// The level chosen from the CPU and LLMZIP_SIMD at first use, with what there
// was to say about the variable.
struct InitialIsa {
  Isa isa;
  std::string message;
};

const InitialIsa& initial_isa() {
  static const InitialIsa initial = [] {
    InitialIsa i;
    i.isa = isa_from_env_value(std::getenv("LLMZIP_SIMD"), &i.message);
    return i;
  }();
  return initial;
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa().isa)};
  return slot;
}

}  // namespace


Isa isa_from_env_value(const char* value, std::string* message) {
  message->clear();
  const Isa best = best_supported_isa();
  if (value == nullptr || *value == 0) return best;
  const std::optional<Isa> want = parse_isa(value);
  if (!want) {
    *message = std::string("LLMZIP_SIMD=") + value + " not understood (scalar|avx2|avx512); using " + isa_name(best);
    return best;
  }
  if (!cpu_supports(*want)) {
    *message = std::string("LLMZIP_SIMD=") + value + " but this CPU supports at most " + isa_name(best) +
               "; using " + isa_name(best);
    return best;
  }
  return *want;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

std::optional<Isa> parse_isa(std::string_view name) {
  if (name == "scalar") return Isa::kScalar;
  if (name == "avx2") return Isa::kAvx2;
  if (name == "avx512") return Isa::kAvx512;
  return std::nullopt;
}

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return features().avx2;
    case Isa::kAvx512: return features().avx512;
  }
  return false;
}

Isa best_supported_isa() {
  if (cpu_supports(Isa::kAvx512)) return Isa::kAvx512;
  if (cpu_supports(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa active_isa() { return static_cast<Isa>(active_slot().load(std::memory_order_relaxed)); }

const std::string& isa_env_message() { return initial_isa().message; }

bool set_isa(Isa isa) {
  if (!cpu_supports(isa)) return false;
  active_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

}  // namespace llmzip::ops
