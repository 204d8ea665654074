// Builds the per-level kernel tables: scalar first, then each level overwrites
// the entries it implements (AVX-512 starts from the AVX2 table).
#include <array>
#include <vector>

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

void attention_f16_by_conversion(void (*attention)(const float*, const float*, const float*, size_t, int, int, float,
                                                   float*, float*),
                                 void (*to_f32)(const uint16_t*, int, float*), const float* q, const uint16_t* k,
                                 const uint16_t* v, size_t kv_stride, int n_keys, int hd, float scale, float* scratch,
                                 float* out) {
  thread_local std::vector<float> kf, vf;
  const size_t n = static_cast<size_t>(n_keys) * static_cast<size_t>(hd);
  if (kf.size() < n) {
    kf.resize(n);
    vf.resize(n);
  }
  for (int j = 0; j < n_keys; ++j) {
    to_f32(k + static_cast<size_t>(j) * kv_stride, hd, kf.data() + static_cast<size_t>(j) * hd);
    to_f32(v + static_cast<size_t>(j) * kv_stride, hd, vf.data() + static_cast<size_t>(j) * hd);
  }
  attention(q, kf.data(), vf.data(), static_cast<size_t>(hd), n_keys, hd, scale, scratch, out);
}

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
