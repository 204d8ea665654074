// Builds the per-level kernel tables: scalar first, then each level overwrites
// the entries it implements (AVX-512 starts from the AVX2 table).
#include <array>

#include "ops/kernels.h"

namespace llmzip::ops {
namespace {

std::array<Kernels, kNumIsa> build_tables() {
  std::array<Kernels, kNumIsa> t;
  install_scalar_kernels(t[0]);
  t[1] = t[0];
  if (cpu_supports(Isa::kAvx2)) install_avx2_kernels(t[1]);
  t[2] = t[1];
  if (cpu_supports(Isa::kAvx512)) install_avx512_kernels(t[2]);
  return t;
}

const std::array<Kernels, kNumIsa>& tables() {
  static const std::array<Kernels, kNumIsa> t = build_tables();
  return t;
}

}  // namespace

const Kernels& kernels_for(Isa isa) { return tables()[static_cast<int>(isa)]; }
const Kernels& kernels() { return kernels_for(active_isa()); }

const char* weight_type_name(WeightType t) {
  switch (t) {
    case WeightType::kF32: return "F32";
    case WeightType::kF16: return "F16";
    case WeightType::kBF16: return "BF16";
    case WeightType::kQ8_0: return "Q8_0";
    case WeightType::kQ4_0: return "Q4_0";
    case WeightType::kQ4_K: return "Q4_K";
    case WeightType::kQ6_K: return "Q6_K";
    case WeightType::kQ5_0: return "Q5_0";
    case WeightType::kQ5_K: return "Q5_K";
  }
  return "?";
}

ActFormat act_format_for(WeightType t) {
  switch (t) {
    case WeightType::kQ8_0:
    case WeightType::kQ4_0:
    case WeightType::kQ5_0: return ActFormat::kQ8_0;
    case WeightType::kQ4_K:
    case WeightType::kQ5_K:
    case WeightType::kQ6_K: return ActFormat::kQ8_K;
    default: return ActFormat::kF32;
  }
}

}  // namespace llmzip::ops
