#include "codec/loaded_model.h"

#ifdef LLMZIP_HAVE_BUILTIN_MODEL
extern "C" const char llmzip_builtin_model_begin[];
extern "C" const char llmzip_builtin_model_end[];
#endif

namespace llmzip::codec {

std::string_view builtin_model_bytes() {
#ifdef LLMZIP_HAVE_BUILTIN_MODEL
  return std::string_view(llmzip_builtin_model_begin, size_t(llmzip_builtin_model_end - llmzip_builtin_model_begin));
#else
  return {};
#endif
}

}  // namespace llmzip::codec
