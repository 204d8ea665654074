/* A round trip through the installed C API: compress a buffer with the
 * built-in model, decompress it, compare. Built by api/install_test.sh once
 * through pkg-config and once through find_package(llmzip).
 *   cc example.c $(pkg-config --cflags --libs llmzip) */
#include <llmzip/llmzip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  const char text[] = "The quick brown fox jumps over the lazy dog.\nThe quick brown fox jumps again.\n";
  llmzip_model* model = NULL;
  if (llmzip_model_load(NULL, &model) != LLMZIP_OK) { /* NULL: the built-in model */
    fprintf(stderr, "load: %s\n", llmzip_error_message());
    return 1;
  }
  size_t cap = llmzip_compress_bound(model, sizeof text - 1, NULL), packed_size = 0, back_size = 0;
  char* packed = malloc(cap);
  char back[sizeof text];
  int rc = llmzip_compress(model, text, sizeof text - 1, packed, cap, &packed_size, NULL);
  if (rc == LLMZIP_OK) rc = llmzip_decompress(model, packed, packed_size, back, sizeof back, &back_size, NULL);
  if (rc != LLMZIP_OK) {
    fprintf(stderr, "%s: %s\n", llmzip_error_name(rc), llmzip_error_message());
    return 1;
  }
  const int same = back_size == sizeof text - 1 && memcmp(back, text, back_size) == 0;
  printf("llmzip %s, model %s: %zu -> %zu bytes, round trip %s\n", llmzip_version(), llmzip_model_name(model),
         sizeof text - 1, packed_size, same ? "ok" : "FAILED");
  free(packed);
  llmzip_model_free(model);
  return same ? 0 : 1;
}
