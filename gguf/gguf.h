// Bounds-checked GGUF reader (versions 2 and 3). Knows nothing about models.
//
// The file is memory-mapped; metadata strings and tensor data are views into the
// mapping, so a GgufFile must outlive everything read from it. Every count, length
// and offset is checked against the bytes that remain before anything is
// allocated or read; any problem is a Status naming the file, the byte offset and
// what was expected. Spec: https://github.com/ggerganov/ggml/blob/master/docs/gguf.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mapped_file.h"
#include "common/status.h"

namespace llmzip::gguf {

// Metadata value types, numbered as in the GGUF spec.
enum class ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
const char* value_type_name(ValueType t);

// Tensor element types, numbered as in ggml. Only some are computable by the
// engine; the reader accepts every type whose block layout it knows (so sizes
// can be checked) and rejects unknown numbers.
enum class TensorType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15,
  kI8 = 24, kI16 = 25, kI32 = 26, kI64 = 27, kF64 = 28, kBF16 = 30,
};

struct TypeTraits {
  const char* name;      // "Q8_0"
  uint32_t block_size;   // elements per block
  uint32_t type_size;    // bytes per block
};
// nullptr for a type number this reader does not know.
const TypeTraits* type_traits(uint32_t type);

// One metadata value. Scalars are decoded; arrays keep a view of their raw
// little-endian elements (numeric) or decoded children (strings, nested arrays).
struct Value {
  ValueType type = ValueType::kU8;
  // Scalars (the field matching `type`; integers also in both u and i when they fit).
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;          // kF32/kF64
  bool b = false;
  std::string_view str;  // kString
  // Arrays.
  ValueType elem_type = ValueType::kU8;
  uint64_t count = 0;
  const uint8_t* raw = nullptr;            // numeric/bool arrays: count * elem size bytes
  std::vector<std::string_view> strings;   // string arrays
  std::vector<Value> items;                // arrays of arrays

  bool is_array() const { return type == ValueType::kArray; }
  // Numeric array element access (any integer elem type / any float elem type).
  // Index must be < count and elem_type numeric (asserts).
  int64_t int_at(uint64_t index) const;
  double float_at(uint64_t index) const;
};

struct TensorInfo {
  std::string_view name;
  uint32_t type = 0;          // TensorType number (known to type_traits)
  uint32_t n_dims = 0;        // 1..4
  uint64_t ne[4] = {1, 1, 1, 1};  // ne[0] is the innermost (row length)
  uint64_t offset = 0;        // absolute byte offset in the file
  uint64_t nbytes = 0;        // data size
  const uint8_t* data = nullptr;

  uint64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  uint64_t rows() const { return ne[1] * ne[2] * ne[3]; }
  TensorType ttype() const { return static_cast<TensorType>(type); }
};

class GgufFile {
 public:
  // Maps and parses `path`. Errors name the path and offset.
  static Result<std::unique_ptr<GgufFile>> open(const std::string& path);
  // Parses bytes already in memory (tests, fuzzing, embedded model); `name` is
  // used in messages. The bytes must outlive the returned object.
  static Result<std::unique_ptr<GgufFile>> parse(const uint8_t* data, size_t size, std::string name);

  const std::string& name() const { return file_->path(); }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  const uint8_t* file_data() const { return file_->data(); }
  size_t file_size() const { return file_->size(); }

  // Metadata, in file order.
  const std::vector<std::pair<std::string_view, Value>>& metadata() const { return kv_; }
  const Value* find(std::string_view key) const;

  // Typed getters. kMissing if absent; kCorrupt if present with a type that
  // cannot convert (integers convert among themselves when the value fits).
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;  // accepts ints and floats
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string_view> get_string(std::string_view key) const;
  // Same, but return `def` when the key is absent (a wrong type is still an error).
  Result<uint64_t> get_uint_or(std::string_view key, uint64_t def) const;
  Result<double> get_float_or(std::string_view key, double def) const;
  Result<bool> get_bool_or(std::string_view key, bool def) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

 private:
  GgufFile() = default;
  Status parse_all();
  std::unique_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  std::vector<std::pair<std::string_view, Value>> kv_;
  std::unordered_map<std::string_view, size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace llmzip::gguf
