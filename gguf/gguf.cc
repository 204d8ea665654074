#include "gguf/gguf.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "common/le_io.h"

namespace llmzip::gguf {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr int kMaxArrayDepth = 8;        // nested arrays deeper than this are rejected
constexpr uint64_t kMaxKeyLength = 65535;
constexpr size_t kNestedMemoryFloor = size_t(1) << 20;  // nested-array memory any file may use

// Size in bytes of one element of a fixed-size value type, 0 for string/array.
uint32_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kBool: return 1;
    case ValueType::kU16: case ValueType::kI16: return 2;
    case ValueType::kU32: case ValueType::kI32: case ValueType::kF32: return 4;
    case ValueType::kU64: case ValueType::kI64: case ValueType::kF64: return 8;
    default: return 0;
  }
}

bool known_value_type(uint32_t t) { return t <= 12; }

// Sequential bounds-checked reader over the mapped bytes.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, const std::string& name)
      : p_(data), size_(size), name_(name), nested_left_(std::max<size_t>(size, kNestedMemoryFloor) / sizeof(Value)) {}
  size_t pos() const { return pos_; }
  // Arrays of arrays decode to one Value per item (about 10 times the 12 bytes
  // an empty one takes in the file): their items share a budget of the file's
  // size in memory, so a file cannot make us hold ten times itself.
  bool take_nested(uint64_t count) {
    if (count > nested_left_) return false;
    nested_left_ -= size_t(count);
    return true;
  }
  size_t remaining() const { return size_ - pos_; }

  Status error(ErrorCode code, size_t at, const std::string& what) const {
    return Status(code, name_ + ": offset " + std::to_string(at) + ": " + what);
  }
  Status need(uint64_t n, const char* what) const {
    if (n > remaining())
      return error(ErrorCode::kTruncated, pos_,
                   std::string("file ends while reading ") + what + " (need " + std::to_string(n) +
                       " bytes, " + std::to_string(remaining()) + " remain)");
    return Status::ok();
  }
  Status u32(uint32_t* v, const char* what) {
    LLMZIP_RETURN_IF_ERROR(need(4, what));
    *v = load_le32(p_ + pos_);
    pos_ += 4;
    return Status::ok();
  }
  Status u64(uint64_t* v, const char* what) {
    LLMZIP_RETURN_IF_ERROR(need(8, what));
    *v = load_le64(p_ + pos_);
    pos_ += 8;
    return Status::ok();
  }
  Status bytes(uint64_t n, const uint8_t** out, const char* what) {
    LLMZIP_RETURN_IF_ERROR(need(n, what));
    *out = p_ + pos_;
    pos_ += n;
    return Status::ok();
  }
  Status str(std::string_view* s, const char* what, uint64_t max_len = UINT64_MAX) {
    size_t at = pos_;
    uint64_t len;
    LLMZIP_RETURN_IF_ERROR(u64(&len, what));
    if (len > max_len)
      return error(ErrorCode::kCorrupt, at, std::string(what) + " length " + std::to_string(len) +
                                                " exceeds the limit " + std::to_string(max_len));
    const uint8_t* b;
    LLMZIP_RETURN_IF_ERROR(bytes(len, &b, what));
    *s = std::string_view(reinterpret_cast<const char*>(b), len);
    return Status::ok();
  }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& name_;
  size_t nested_left_;
};

Status read_value(Cursor& c, ValueType type, Value* v, int depth, const std::string& key);

Status read_scalar(Cursor& c, ValueType type, Value* v, const std::string& key) {
  v->type = type;
  uint32_t sz = scalar_size(type);
  const uint8_t* b = nullptr;
  LLMZIP_RETURN_IF_ERROR(c.bytes(sz, &b, ("value of key '" + key + "'").c_str()));
  switch (type) {
    case ValueType::kU8: v->u = b[0]; v->i = b[0]; break;
    case ValueType::kI8: v->i = int8_t(b[0]); v->u = uint64_t(v->i); break;
    case ValueType::kBool:
      if (b[0] > 1) return c.error(ErrorCode::kCorrupt, c.pos() - 1, "bool value of key '" + key + "' is not 0 or 1");
      v->b = b[0] != 0; v->u = b[0]; v->i = b[0];
      break;
    case ValueType::kU16: v->u = load_le16(b); v->i = int64_t(v->u); break;
    case ValueType::kI16: v->i = int16_t(load_le16(b)); v->u = uint64_t(v->i); break;
    case ValueType::kU32: v->u = load_le32(b); v->i = int64_t(v->u); break;
    case ValueType::kI32: v->i = int32_t(load_le32(b)); v->u = uint64_t(v->i); break;
    case ValueType::kU64: v->u = load_le64(b); v->i = int64_t(v->u); break;
    case ValueType::kI64: v->i = int64_t(load_le64(b)); v->u = uint64_t(v->i); break;
    case ValueType::kF32: v->f = load_lef32(b); break;
    case ValueType::kF64: v->f = load_lef64(b); break;
    default: assert(false);
  }
  return Status::ok();
}

Status read_array(Cursor& c, Value* v, int depth, const std::string& key) {
  size_t at = c.pos();
  if (depth >= kMaxArrayDepth)
    return c.error(ErrorCode::kCorrupt, at, "arrays nested deeper than " + std::to_string(kMaxArrayDepth) +
                                                " levels in key '" + key + "'");
  uint32_t et;
  LLMZIP_RETURN_IF_ERROR(c.u32(&et, "array element type"));
  if (!known_value_type(et))
    return c.error(ErrorCode::kCorrupt, at, "unknown array element type " + std::to_string(et) + " in key '" + key + "'");
  uint64_t count;
  LLMZIP_RETURN_IF_ERROR(c.u64(&count, "array length"));
  v->type = ValueType::kArray;
  v->elem_type = ValueType(et);
  v->count = count;
  uint32_t sz = scalar_size(v->elem_type);
  // Every element takes at least `min` bytes: reject absurd counts before allocating.
  uint64_t min = sz ? sz : (v->elem_type == ValueType::kString ? 8 : 12);
  if (count > c.remaining() / min)
    return c.error(ErrorCode::kOutOfBounds, at + 4,
                   "array length " + std::to_string(count) + " of key '" + key + "' exceeds the " +
                       std::to_string(c.remaining()) + " bytes that remain");
  if (sz) {
    LLMZIP_RETURN_IF_ERROR(c.bytes(count * sz, &v->raw, "array data"));
    if (v->elem_type == ValueType::kBool)
      for (uint64_t i = 0; i < count; ++i)
        if (v->raw[i] > 1) return c.error(ErrorCode::kCorrupt, c.pos() - count + i, "bool array element is not 0 or 1");
    return Status::ok();
  }
  if (v->elem_type == ValueType::kString) {
    v->strings.resize(count);
    for (uint64_t i = 0; i < count; ++i) LLMZIP_RETURN_IF_ERROR(c.str(&v->strings[i], "array string"));
    return Status::ok();
  }
  // Arrays of arrays: each item is itself (elem type, count, data).
  if (!c.take_nested(count))
    return c.error(ErrorCode::kOutOfBounds, at + 4,
                   "arrays of arrays in key '" + key + "' hold more items than a file of this size may (" +
                       std::to_string(count) + " more)");
  v->items.resize(count);
  for (uint64_t i = 0; i < count; ++i) LLMZIP_RETURN_IF_ERROR(read_array(c, &v->items[i], depth + 1, key));
  return Status::ok();
}

Status read_value(Cursor& c, ValueType type, Value* v, int depth, const std::string& key) {
  if (type == ValueType::kString) {
    v->type = type;
    return c.str(&v->str, ("string value of key '" + key + "'").c_str());
  }
  if (type == ValueType::kArray) return read_array(c, v, depth, key);
  return read_scalar(c, type, v, key);
}

bool is_int_type(ValueType t) {
  switch (t) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kU16: case ValueType::kI16:
    case ValueType::kU32: case ValueType::kI32: case ValueType::kU64: case ValueType::kI64: return true;
    default: return false;
  }
}
bool is_signed_type(ValueType t) {
  return t == ValueType::kI8 || t == ValueType::kI16 || t == ValueType::kI32 || t == ValueType::kI64;
}

}  // namespace

const char* value_type_name(ValueType t) {
  static const char* kNames[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  uint32_t i = static_cast<uint32_t>(t);
  return i <= 12 ? kNames[i] : "unknown";
}

const TypeTraits* type_traits(uint32_t type) {
  static const TypeTraits kF32{"F32", 1, 4}, kF16{"F16", 1, 2}, kQ4_0{"Q4_0", 32, 18}, kQ4_1{"Q4_1", 32, 20},
      kQ5_0{"Q5_0", 32, 22}, kQ5_1{"Q5_1", 32, 24}, kQ8_0{"Q8_0", 32, 34}, kQ8_1{"Q8_1", 32, 36},
      kQ2_K{"Q2_K", 256, 84}, kQ3_K{"Q3_K", 256, 110}, kQ4_K{"Q4_K", 256, 144}, kQ5_K{"Q5_K", 256, 176},
      kQ6_K{"Q6_K", 256, 210}, kQ8_K{"Q8_K", 256, 292}, kI8{"I8", 1, 1}, kI16{"I16", 1, 2}, kI32{"I32", 1, 4},
      kI64{"I64", 1, 8}, kF64{"F64", 1, 8}, kBF16{"BF16", 1, 2};
  switch (static_cast<TensorType>(type)) {
    case TensorType::kF32: return &kF32;
    case TensorType::kF16: return &kF16;
    case TensorType::kQ4_0: return &kQ4_0;
    case TensorType::kQ4_1: return &kQ4_1;
    case TensorType::kQ5_0: return &kQ5_0;
    case TensorType::kQ5_1: return &kQ5_1;
    case TensorType::kQ8_0: return &kQ8_0;
    case TensorType::kQ8_1: return &kQ8_1;
    case TensorType::kQ2_K: return &kQ2_K;
    case TensorType::kQ3_K: return &kQ3_K;
    case TensorType::kQ4_K: return &kQ4_K;
    case TensorType::kQ5_K: return &kQ5_K;
    case TensorType::kQ6_K: return &kQ6_K;
    case TensorType::kQ8_K: return &kQ8_K;
    case TensorType::kI8: return &kI8;
    case TensorType::kI16: return &kI16;
    case TensorType::kI32: return &kI32;
    case TensorType::kI64: return &kI64;
    case TensorType::kF64: return &kF64;
    case TensorType::kBF16: return &kBF16;
  }
  return nullptr;
}

int64_t Value::int_at(uint64_t index) const {
  assert(type == ValueType::kArray && index < count && raw);
  uint32_t sz = scalar_size(elem_type);
  const uint8_t* p = raw + index * sz;
  switch (elem_type) {
    case ValueType::kU8: case ValueType::kBool: return p[0];
    case ValueType::kI8: return int8_t(p[0]);
    case ValueType::kU16: return load_le16(p);
    case ValueType::kI16: return int16_t(load_le16(p));
    case ValueType::kU32: return load_le32(p);
    case ValueType::kI32: return int32_t(load_le32(p));
    case ValueType::kU64: return int64_t(load_le64(p));
    case ValueType::kI64: return int64_t(load_le64(p));
    case ValueType::kF32: return int64_t(load_lef32(p));
    case ValueType::kF64: return int64_t(load_lef64(p));
    default: assert(false); return 0;
  }
}

double Value::float_at(uint64_t index) const {
  assert(type == ValueType::kArray && index < count && raw);
  if (elem_type == ValueType::kF32) return load_lef32(raw + index * 4);
  if (elem_type == ValueType::kF64) return load_lef64(raw + index * 8);
  return double(int_at(index));
}

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  auto mf = MappedFile::open(path);
  if (!mf) return mf.status();
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->file_ = std::move(mf).value();
  LLMZIP_RETURN_IF_ERROR(f->parse_all());
  return f;
}

Result<std::unique_ptr<GgufFile>> GgufFile::parse(const uint8_t* data, size_t size, std::string name) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->file_ = MappedFile::borrow(data, size, std::move(name));
  LLMZIP_RETURN_IF_ERROR(f->parse_all());
  return f;
}

Status GgufFile::parse_all() {
  const std::string& nm = file_->path();
  Cursor c(file_->data(), file_->size(), nm);
  uint32_t magic;
  if (c.remaining() < 4) return c.error(ErrorCode::kBadMagic, 0, "not a GGUF file (shorter than the 4-byte magic)");
  LLMZIP_RETURN_IF_ERROR(c.u32(&magic, "magic"));
  if (magic != kMagic) return c.error(ErrorCode::kBadMagic, 0, "not a GGUF file (magic is not 'GGUF')");
  LLMZIP_RETURN_IF_ERROR(c.u32(&version_, "version"));
  if (version_ != 2 && version_ != 3) {
    std::string extra = (version_ & 0xFFFF) == 0 ? " (big-endian GGUF files are not supported)" : "";
    return c.error(ErrorCode::kUnsupportedVersion, 4,
                   "GGUF version " + std::to_string(version_) + " is not supported (supported: 2, 3)" + extra);
  }
  uint64_t n_tensors, n_kv;
  LLMZIP_RETURN_IF_ERROR(c.u64(&n_tensors, "tensor count"));
  LLMZIP_RETURN_IF_ERROR(c.u64(&n_kv, "metadata count"));
  // A key-value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor
  // info at least 8 + 4 + 8 + 4 + 8.
  if (n_kv > c.remaining() / 13)
    return c.error(ErrorCode::kOutOfBounds, 16, "metadata count " + std::to_string(n_kv) + " exceeds what " +
                                                    std::to_string(c.remaining()) + " remaining bytes can hold");
  if (n_tensors > c.remaining() / 32)
    return c.error(ErrorCode::kOutOfBounds, 8, "tensor count " + std::to_string(n_tensors) + " exceeds what " +
                                                   std::to_string(c.remaining()) + " remaining bytes can hold");

  kv_.reserve(n_kv);
  for (uint64_t k = 0; k < n_kv; ++k) {
    size_t at = c.pos();
    std::string_view key;
    LLMZIP_RETURN_IF_ERROR(c.str(&key, "metadata key", kMaxKeyLength));
    if (key.empty()) return c.error(ErrorCode::kCorrupt, at, "empty metadata key");
    std::string keys(key);
    if (kv_index_.count(key)) return c.error(ErrorCode::kDuplicate, at, "duplicate metadata key '" + keys + "'");
    uint32_t t;
    size_t type_at = c.pos();
    LLMZIP_RETURN_IF_ERROR(c.u32(&t, "metadata value type"));
    if (!known_value_type(t))
      return c.error(ErrorCode::kCorrupt, type_at, "unknown value type " + std::to_string(t) + " for key '" + keys + "'");
    Value v;
    LLMZIP_RETURN_IF_ERROR(read_value(c, ValueType(t), &v, 0, keys));
    kv_index_.emplace(key, kv_.size());
    kv_.emplace_back(key, std::move(v));
  }

  if (const Value* a = find("general.alignment")) {
    if (!is_int_type(a->type) || a->i <= 0 || a->u > (1u << 30) || (a->u & (a->u - 1)) != 0)
      return Status(ErrorCode::kCorrupt, nm + ": general.alignment must be a positive power of two");
    alignment_ = uint32_t(a->u);
  }

  tensors_.reserve(n_tensors);
  for (uint64_t k = 0; k < n_tensors; ++k) {
    size_t at = c.pos();
    TensorInfo ti;
    LLMZIP_RETURN_IF_ERROR(c.str(&ti.name, "tensor name", kMaxKeyLength));
    std::string tn(ti.name);
    if (tensor_index_.count(ti.name)) return c.error(ErrorCode::kDuplicate, at, "duplicate tensor name '" + tn + "'");
    size_t dims_at = c.pos();
    LLMZIP_RETURN_IF_ERROR(c.u32(&ti.n_dims, "tensor dimension count"));
    if (ti.n_dims < 1 || ti.n_dims > 4)
      return c.error(ErrorCode::kCorrupt, dims_at, "tensor '" + tn + "' has " + std::to_string(ti.n_dims) +
                                                       " dimensions (expected 1 to 4)");
    uint64_t n_el = 1;
    for (uint32_t d = 0; d < ti.n_dims; ++d) {
      LLMZIP_RETURN_IF_ERROR(c.u64(&ti.ne[d], "tensor dimension"));
      if (ti.ne[d] == 0 || ti.ne[d] > (uint64_t(1) << 40) || n_el > (uint64_t(1) << 50) / ti.ne[d])
        return c.error(ErrorCode::kCorrupt, c.pos() - 8,
                       "tensor '" + tn + "' dimension " + std::to_string(d) + " = " + std::to_string(ti.ne[d]) +
                           " is zero or too large");
      n_el *= ti.ne[d];
    }
    size_t type_at = c.pos();
    LLMZIP_RETURN_IF_ERROR(c.u32(&ti.type, "tensor type"));
    const TypeTraits* tt = type_traits(ti.type);
    if (!tt)
      return c.error(ErrorCode::kUnsupported, type_at,
                     "tensor '" + tn + "' has unknown type number " + std::to_string(ti.type));
    if (ti.ne[0] % tt->block_size != 0)
      return c.error(ErrorCode::kCorrupt, dims_at, "tensor '" + tn + "' row length " + std::to_string(ti.ne[0]) +
                                                       " is not a multiple of the " + tt->name + " block size " +
                                                       std::to_string(tt->block_size));
    ti.nbytes = n_el / tt->block_size * tt->type_size;
    LLMZIP_RETURN_IF_ERROR(c.u64(&ti.offset, "tensor data offset"));
    if (ti.offset % alignment_ != 0)
      return c.error(ErrorCode::kCorrupt, c.pos() - 8,
                     "tensor '" + tn + "' data offset " + std::to_string(ti.offset) + " is not a multiple of the alignment " +
                         std::to_string(alignment_));
    tensor_index_.emplace(ti.name, tensors_.size());
    tensors_.push_back(ti);
  }

  // Data section: starts at the next multiple of the alignment.
  uint64_t data_start = (uint64_t(c.pos()) + alignment_ - 1) / alignment_ * alignment_;
  uint64_t fsize = file_->size();
  if (n_tensors > 0 && data_start > fsize)
    return c.error(ErrorCode::kTruncated, c.pos(), "file ends before the tensor data section");
  std::vector<size_t> order(tensors_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (auto& ti : tensors_) {
    if (ti.offset > fsize - data_start || ti.nbytes > fsize - data_start - ti.offset)
      // Offsets as the file states them: their sums may not fit 64 bits.
      return Status(ErrorCode::kOutOfBounds,
                    nm + ": tensor '" + std::string(ti.name) + "' data offset " + std::to_string(ti.offset) + " (" +
                        std::to_string(ti.nbytes) + " bytes, after the data section at " + std::to_string(data_start) +
                        ") lies beyond the end of the file (" + std::to_string(fsize) + " bytes)");
    ti.offset += data_start;
    ti.data = file_->data() + ti.offset;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    const TensorInfo& p = tensors_[order[i - 1]];
    const TensorInfo& q = tensors_[order[i]];
    if (p.offset + p.nbytes > q.offset)
      return Status(ErrorCode::kCorrupt, nm + ": tensor data of '" + std::string(p.name) + "' and '" +
                                             std::string(q.name) + "' overlap at offset " + std::to_string(q.offset));
  }
  return Status::ok();
}

const Value* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {
Status missing(const std::string& file, std::string_view key) {
  return Status(ErrorCode::kMissing, file + ": metadata key '" + std::string(key) + "' is missing");
}
Status wrong_type(const std::string& file, std::string_view key, ValueType t, const char* want) {
  return Status(ErrorCode::kCorrupt, file + ": metadata key '" + std::string(key) + "' has type " +
                                         value_type_name(t) + ", expected " + want);
}
}  // namespace

Result<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name(), key);
  if (!is_int_type(v->type)) return wrong_type(name(), key, v->type, "an integer");
  if (is_signed_type(v->type) && v->i < 0) return wrong_type(name(), key, v->type, "a non-negative integer");
  return v->u;
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name(), key);
  if (v->type == ValueType::kF32 || v->type == ValueType::kF64) return v->f;
  if (is_int_type(v->type)) return is_signed_type(v->type) ? double(v->i) : double(v->u);
  return wrong_type(name(), key, v->type, "a number");
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name(), key);
  if (v->type != ValueType::kBool) return wrong_type(name(), key, v->type, "bool");
  return v->b;
}

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name(), key);
  if (v->type != ValueType::kString) return wrong_type(name(), key, v->type, "string");
  return v->str;
}

Result<uint64_t> GgufFile::get_uint_or(std::string_view key, uint64_t def) const {
  return find(key) ? get_uint(key) : Result<uint64_t>(def);
}
Result<double> GgufFile::get_float_or(std::string_view key, double def) const {
  return find(key) ? get_float(key) : Result<double>(def);
}
Result<bool> GgufFile::get_bool_or(std::string_view key, bool def) const {
  return find(key) ? get_bool(key) : Result<bool>(def);
}

}  // namespace llmzip::gguf
