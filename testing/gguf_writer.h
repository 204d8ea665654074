// Builds GGUF (v3) files in memory: for tests (hand-made good and bad files), the
// engine benchmark (random-weight models of real shapes) and the fuzz corpus.
// Not for untrusted input; misuse asserts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf.h"

namespace llmzip::gguf {

class GgufWriter {
 public:
  explicit GgufWriter(uint32_t alignment = 32) : alignment_(alignment) {}

  void add_u32(std::string_view key, uint32_t v);
  void add_i32(std::string_view key, int32_t v);
  void add_u64(std::string_view key, uint64_t v);
  void add_f32(std::string_view key, float v);
  void add_bool(std::string_view key, bool v);
  void add_string(std::string_view key, std::string_view v);
  void add_string_array(std::string_view key, const std::vector<std::string>& v);
  void add_f32_array(std::string_view key, const std::vector<float>& v);
  void add_i32_array(std::string_view key, const std::vector<int32_t>& v);
  // Copies a value read from another file (any type, nested arrays included).
  void add_value(std::string_view key, const Value& v);

  // `data` must hold exactly the bytes for `ne` elements of `type` (row-major,
  // ne[0] innermost); dims beyond n_dims are ignored.
  void add_tensor(std::string_view name, TensorType type, std::vector<uint64_t> ne, std::string data);

  // Serialized file. The writer keeps its contents; call once or many times.
  std::string finish() const;

 private:
  struct Tensor {
    std::string name;
    TensorType type;
    std::vector<uint64_t> ne;
    std::string data;
  };
  void key(std::string_view k, ValueType t);
  void put_value_body(const Value& v);
  uint32_t alignment_;
  uint64_t n_kv_ = 0;
  std::string kv_bytes_;
  std::vector<Tensor> tensors_;
};

}  // namespace llmzip::gguf
