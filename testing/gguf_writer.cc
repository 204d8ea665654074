#include "testing/gguf_writer.h"

#include <cassert>

#include "common/le_io.h"

namespace llmzip::gguf {
namespace {
void put_str(std::string& s, std::string_view v) {
  put_le64(s, v.size());
  s.append(v);
}
}  // namespace

void GgufWriter::key(std::string_view k, ValueType t) {
  put_str(kv_bytes_, k);
  put_le32(kv_bytes_, static_cast<uint32_t>(t));
  ++n_kv_;
}

void GgufWriter::add_u32(std::string_view k, uint32_t v) { key(k, ValueType::kU32); put_le32(kv_bytes_, v); }
void GgufWriter::add_i32(std::string_view k, int32_t v) { key(k, ValueType::kI32); put_le32(kv_bytes_, uint32_t(v)); }
void GgufWriter::add_u64(std::string_view k, uint64_t v) { key(k, ValueType::kU64); put_le64(kv_bytes_, v); }
void GgufWriter::add_f32(std::string_view k, float v) { key(k, ValueType::kF32); put_lef32(kv_bytes_, v); }
void GgufWriter::add_bool(std::string_view k, bool v) { key(k, ValueType::kBool); kv_bytes_.push_back(v ? 1 : 0); }
void GgufWriter::add_string(std::string_view k, std::string_view v) { key(k, ValueType::kString); put_str(kv_bytes_, v); }

void GgufWriter::add_string_array(std::string_view k, const std::vector<std::string>& v) {
  key(k, ValueType::kArray);
  put_le32(kv_bytes_, uint32_t(ValueType::kString));
  put_le64(kv_bytes_, v.size());
  for (const auto& s : v) put_str(kv_bytes_, s);
}

void GgufWriter::add_f32_array(std::string_view k, const std::vector<float>& v) {
  key(k, ValueType::kArray);
  put_le32(kv_bytes_, uint32_t(ValueType::kF32));
  put_le64(kv_bytes_, v.size());
  for (float f : v) put_lef32(kv_bytes_, f);
}

void GgufWriter::add_i32_array(std::string_view k, const std::vector<int32_t>& v) {
  key(k, ValueType::kArray);
  put_le32(kv_bytes_, uint32_t(ValueType::kI32));
  put_le64(kv_bytes_, v.size());
  for (int32_t x : v) put_le32(kv_bytes_, uint32_t(x));
}

void GgufWriter::put_value_body(const Value& v) {
  switch (v.type) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kBool: kv_bytes_.push_back(char(v.u)); break;
    case ValueType::kU16: case ValueType::kI16: put_le16(kv_bytes_, uint16_t(v.u)); break;
    case ValueType::kU32: case ValueType::kI32: put_le32(kv_bytes_, uint32_t(v.u)); break;
    case ValueType::kU64: case ValueType::kI64: put_le64(kv_bytes_, v.u); break;
    case ValueType::kF32: put_lef32(kv_bytes_, float(v.f)); break;
    case ValueType::kF64: put_lef64(kv_bytes_, v.f); break;
    case ValueType::kString: put_str(kv_bytes_, v.str); break;
    case ValueType::kArray: {
      put_le32(kv_bytes_, uint32_t(v.elem_type));
      put_le64(kv_bytes_, v.count);
      if (v.elem_type == ValueType::kString) {
        for (auto s : v.strings) put_str(kv_bytes_, s);
      } else if (v.elem_type == ValueType::kArray) {
        for (const auto& item : v.items) put_value_body(item);
      } else {
        static const uint32_t kSize[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
        kv_bytes_.append(reinterpret_cast<const char*>(v.raw), v.count * kSize[uint32_t(v.elem_type)]);
      }
      break;
    }
  }
}

void GgufWriter::add_value(std::string_view k, const Value& v) {
  key(k, v.type);
  put_value_body(v);
}

void GgufWriter::add_tensor(std::string_view name, TensorType type, std::vector<uint64_t> ne, std::string data) {
  const TypeTraits* tt = type_traits(static_cast<uint32_t>(type));
  (void)tt;
  assert(tt && !ne.empty() && ne.size() <= 4);
  uint64_t n = 1;
  for (uint64_t d : ne) n *= d;
  assert(ne[0] % tt->block_size == 0);
  assert(data.size() == n / tt->block_size * tt->type_size);
  (void)n;
  tensors_.push_back({std::string(name), type, std::move(ne), std::move(data)});
}

std::string GgufWriter::finish() const {
  std::string out;
  put_le32(out, 0x46554747);
  put_le32(out, 3);
  put_le64(out, tensors_.size());
  put_le64(out, n_kv_);
  out += kv_bytes_;
  uint64_t offset = 0;
  std::vector<uint64_t> offsets;
  for (const auto& t : tensors_) {
    put_str(out, t.name);
    put_le32(out, uint32_t(t.ne.size()));
    for (uint64_t d : t.ne) put_le64(out, d);
    put_le32(out, static_cast<uint32_t>(t.type));
    put_le64(out, offset);
    offsets.push_back(offset);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, '\0');
  for (const auto& t : tensors_) {
    out += t.data;
    out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, '\0');
  }
  return out;
}

}  // namespace llmzip::gguf
