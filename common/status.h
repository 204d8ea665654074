// Errors as values. Untrusted input (files, models, .llmz) yields a Status with a
// stable numeric code and a message naming the file, the byte offset and what was
// expected; programming bugs assert instead. There is no third error style.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace llmzip {

// Stable codes: values are part of the command-line contract (--json output) and
// must never be renumbered. Add new codes at the end.
enum class ErrorCode : int {
  kOk = 0,
  kIo = 1,                 // open/read/write/rename failed (errno text in message)
  kBadMagic = 2,           // not the file type we expected
  kUnsupportedVersion = 3, // known format, unknown version
  kTruncated = 4,          // file ends before a structure it announces
  kOutOfBounds = 5,        // a count, length or offset points outside the file
  kCorrupt = 6,            // structure is internally inconsistent
  kUnsupported = 7,        // valid but not supported (architecture, tensor type, ...)
  kInvalidArgument = 8,    // bad user option or API argument
  kChecksumMismatch = 9,   // data does not match its checksum
  kModelMismatch = 10,     // .llmz made with another model or numerics version
  kMissing = 11,           // a required key/tensor/file is absent
  kDuplicate = 12,         // a key or tensor name appears twice
  kExists = 13,            // output exists and -f was not given
  kInternal = 14,          // should not happen; a bug surfaced as a value
  kLimit = 15,             // valid, but beyond a work/memory limit the user can raise (e.g. --max-frame)
};

// Short stable name of a code, e.g. "truncated".
const char* error_code_name(ErrorCode code);

// Untrusted text (a model name, a GGUF key, a file name, a whole message)
// made safe for a terminal: control bytes (C0, DEL), C1 control characters
// (U+0080..U+009F) and bytes that are not valid UTF-8 become \xNN; other
// valid UTF-8 stays. The one escape every path to the terminal uses.
std::string printable(std::string_view untrusted);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<name>: <message>" for logs and the command line.
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or an error. Accessing value() of an error is a bug (asserts).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOkStatus;
    return is_ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { assert(is_ok()); return std::get<T>(v_); }
  const T& value() const& { assert(is_ok()); return std::get<T>(v_); }
  T&& value() && { assert(is_ok()); return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

// The one way to add context to an error: the same code, the message
// "context: message" (context = a file name, "FILE (member 2 at byte N)",
// "FILE: frame 3 at byte N", ...). An OK status stays OK, and a message that
// already starts with `context` is left as it is, so layers that each name the
// file do not repeat it.
Status with_context(const Status& st, std::string_view context);

// Return early with the error of a Status-returning expression.
#define LLMZIP_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::llmzip::Status _st = (expr);              \
    if (!_st.is_ok()) return _st;               \
  } while (0)

}  // namespace llmzip
