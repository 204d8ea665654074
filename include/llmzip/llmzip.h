/* llmzip — lossless compression with a language model as the predictor.
 *
 * The C API: the contract for programs that embed llmzip (the Python package
 * and `llmzip.cluster` are built on it). This header is its reference.
 *
 * Conventions
 *  - Every function that can fail returns an int status: LLMZIP_OK (0) or one
 *    of the stable error codes below (the same numbers as the command line's
 *    --json output; they are never renumbered). The streaming calls may also
 *    return LLMZIP_STREAM_END (-1), which is not an error.
 *  - After a failure, llmzip_error_message() gives a message naming the input
 *    and what is wrong (the byte offset for a damaged .llmz). It is per thread
 *    and stays valid until that thread's next llmzip call that fails.
 *  - No C++ exception crosses this API (out of memory becomes
 *    LLMZIP_ERROR_INTERNAL with the message "out of memory"); the library never
 *    writes to stdout or stderr and never calls exit() or abort() on bad input.
 *  - Untrusted bytes (a .llmz, a GGUF model) are checked before they are used:
 *    a damaged file gives an error code, never a crash or unbounded memory.
 *  - Output is byte-identical to the `llmzip` command with the same model and
 *    settings: llmzip_compress() of a buffer gives the bytes of
 *    `llmzip -c FILE` for a file holding that buffer; a compression stream with
 *    no pledged size gives the bytes of `llmzip -c < pipe`. Neither depends on
 *    the thread count.
 *
 * Thread safety
 *  - A model handle is immutable after llmzip_model_load() and
 *    llmzip_model_set_threads(): any number of threads may share it for every
 *    call taking a `const llmzip_model*` at the same time. Model evaluation is
 *    serialized inside one handle (calls on the same handle at the same time
 *    are correct but take turns for the engine); load the model once per
 *    thread for parallel throughput (the file is memory-mapped, so the weights
 *    are shared by the page cache, not copied). Do not call
 *    llmzip_model_set_threads() while another thread uses the handle.
 *  - A stream handle (llmzip_cstream, llmzip_dstream) belongs to one thread at
 *    a time. Each stream runs its codec on one internal thread (plus the
 *    model's worker threads) and must be freed before its model.
 *  - Functions without a handle are thread-safe.
 *
 * ABI: the shared library is libllmzip.so.LLMZIP_VERSION_MAJOR; only symbols
 * named llmzip_* are exported. Structs passed by pointer keep their layout
 * within one major version; llmzip_options is versioned by its struct_size
 * field so fields can be added at the end.
 */
#ifndef LLMZIP_LLMZIP_H
#define LLMZIP_LLMZIP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LLMZIP_API __attribute__((visibility("default")))
#else
#define LLMZIP_API
#endif

/* ---- Versions ---------------------------------------------------------- */

#define LLMZIP_VERSION_MAJOR 0
#define LLMZIP_VERSION_MINOR 1
#define LLMZIP_VERSION_PATCH 0
#define LLMZIP_VERSION_NUMBER (LLMZIP_VERSION_MAJOR * 10000 + LLMZIP_VERSION_MINOR * 100 + LLMZIP_VERSION_PATCH)
#define LLMZIP_VERSION_STRING "0.1.0"
/* The .llmz format version this library writes (docs/format.md). */
#define LLMZIP_FORMAT_VERSION 3

/* The library's version at run time ("0.1.0"), which may differ from the
 * header's when a program runs against a newer libllmzip.so.0. */
LLMZIP_API const char* llmzip_version(void);
/* LLMZIP_VERSION_NUMBER of the library. */
LLMZIP_API unsigned llmzip_version_number(void);
/* LLMZIP_FORMAT_VERSION of the library. */
LLMZIP_API unsigned llmzip_format_version(void);

/* ---- Errors -------------------------------------------------------------- */

enum {
  LLMZIP_STREAM_END = -1,              /* a stream is finished (not an error) */
  LLMZIP_OK = 0,
  LLMZIP_ERROR_IO = 1,                 /* open/read/write failed */
  LLMZIP_ERROR_BAD_MAGIC = 2,          /* not the file type expected */
  LLMZIP_ERROR_UNSUPPORTED_VERSION = 3,/* known format, unknown version */
  LLMZIP_ERROR_TRUNCATED = 4,          /* input ends inside a structure */
  LLMZIP_ERROR_OUT_OF_BOUNDS = 5,      /* a count, length or offset points outside the input */
  LLMZIP_ERROR_CORRUPT = 6,            /* structure is internally inconsistent */
  LLMZIP_ERROR_UNSUPPORTED = 7,        /* valid but not supported (architecture, tensor type) */
  LLMZIP_ERROR_INVALID_ARGUMENT = 8,   /* bad option or API misuse (NULL handle, buffer too small) */
  LLMZIP_ERROR_CHECKSUM_MISMATCH = 9,  /* data does not match its checksum */
  LLMZIP_ERROR_MODEL_MISMATCH = 10,    /* .llmz made with another model or numerics version */
  LLMZIP_ERROR_MISSING = 11,           /* a required key, tensor or file is absent */
  LLMZIP_ERROR_DUPLICATE = 12,         /* a key or tensor name appears twice */
  LLMZIP_ERROR_EXISTS = 13,            /* output exists (command line only) */
  LLMZIP_ERROR_INTERNAL = 14           /* a bug surfaced as a value, or out of memory */
};

/* Stable short name of a code ("truncated"); "unknown" for other values. */
LLMZIP_API const char* llmzip_error_name(int code);
/* The message of this thread's last failed call ("" if none). */
LLMZIP_API const char* llmzip_error_message(void);

/* ---- Options ----------------------------------------------------------- */

enum { LLMZIP_METHOD_AC = 0, LLMZIP_METHOD_RANK_ZLIB = 1, LLMZIP_METHOD_TBYT = 2 };

/* Settings of one call or stream. Always start from llmzip_options_init();
 * a NULL pointer means the defaults. Zero fields mean "as the command line". */
typedef struct llmzip_options {
  uint32_t struct_size;  /* sizeof(llmzip_options): set by llmzip_options_init */
  int32_t threads;       /* worker threads; 0 = the model handle's (default 1) */
  uint32_t context;      /* tokens of context; 0 = min(model's training context, 512) (--context) */
  uint32_t reserved0;    /* must be 0 */
  uint64_t frame_bytes;  /* target frame size; 0 = default (--frame-bytes) */
  int32_t method;        /* LLMZIP_METHOD_*, default AC (--method) */
  int32_t adapt;         /* 1 (default): the adaptive predictor; 0: the model alone (--no-adapt) */
} llmzip_options;

LLMZIP_API void llmzip_options_init(llmzip_options* opt);

/* ---- Models ------------------------------------------------------------ */

typedef struct llmzip_model llmzip_model;

/* Loads a GGUF model file (memory-mapped), or the built-in model when `path`
 * is NULL or "". On success *out owns a handle for llmzip_model_free(). */
LLMZIP_API int llmzip_model_load(const char* path, llmzip_model** out);
LLMZIP_API void llmzip_model_free(llmzip_model* m); /* NULL is allowed */
/* general.name of the model (else the file's base name); valid while m lives. */
LLMZIP_API const char* llmzip_model_name(const llmzip_model* m);
/* SHA-256 of the model file, 64 lowercase hex digits: the fingerprint .llmz
 * headers record. */
LLMZIP_API const char* llmzip_model_sha256(const llmzip_model* m);
/* The path given to llmzip_model_load, or "<built-in model>". */
LLMZIP_API const char* llmzip_model_path(const llmzip_model* m);
LLMZIP_API uint32_t llmzip_model_vocab_size(const llmzip_model* m);
/* Default worker threads of calls with options.threads == 0 (>= 1). */
LLMZIP_API int llmzip_model_set_threads(llmzip_model* m, int threads);
LLMZIP_API int llmzip_model_threads(const llmzip_model* m);

/* ---- One-shot compression --------------------------------------------- */

/* The largest output llmzip_compress() can produce for `src_size` bytes with
 * these options: never less than what it needs. */
LLMZIP_API size_t llmzip_compress_bound(const llmzip_model* m, size_t src_size, const llmzip_options* opt);

/* Compresses src[0, src_size) into dst (capacity dst_cap) and sets *dst_size.
 * LLMZIP_ERROR_INVALID_ARGUMENT if dst is too small (use llmzip_compress_bound). */
LLMZIP_API int llmzip_compress(const llmzip_model* m, const void* src, size_t src_size, void* dst, size_t dst_cap,
                               size_t* dst_size, const llmzip_options* opt);

/* The decompressed size of a whole .llmz (all concatenated members), read from
 * the frame headers without running the model; errors as for a damaged file. */
LLMZIP_API int llmzip_decompressed_size(const void* src, size_t src_size, uint64_t* size);

/* Where each file of a concatenation of .llmz files starts in src
 * (offsets[0] == 0), found by walking their structure without running the
 * model (frame checksums verified): members decode independently, so a big
 * archive of members can be decoded in parallel. Writes at most `capacity`
 * offsets and sets *n_members to the count: call with capacity 0 to learn it. */
LLMZIP_API int llmzip_members(const void* src, size_t src_size, uint64_t* offsets, size_t capacity,
                              size_t* n_members);

/* Decompresses a whole .llmz (concatenated files give their concatenation)
 * into dst and sets *dst_size. Every frame's checksum and the content checksum
 * are verified; on error the contents of dst are unspecified.
 * LLMZIP_ERROR_INVALID_ARGUMENT if dst is too small. */
LLMZIP_API int llmzip_decompress(const llmzip_model* m, const void* src, size_t src_size, void* dst, size_t dst_cap,
                                 size_t* dst_size, const llmzip_options* opt);

/* ---- Streaming --------------------------------------------------------- */

/* Buffers of one streaming call (as zstd's ZSTD_inBuffer/ZSTD_outBuffer):
 * the call reads from src + pos and writes to dst + pos and advances pos. */
typedef struct llmzip_in_buffer {
  const void* src;
  size_t size;
  size_t pos;
} llmzip_in_buffer;
typedef struct llmzip_out_buffer {
  void* dst;
  size_t size;
  size_t pos;
} llmzip_out_buffer;

typedef struct llmzip_cstream llmzip_cstream;
typedef struct llmzip_dstream llmzip_dstream;

/* A compression stream with `opt` (NULL: defaults). Memory stays bounded by
 * the frame size (about 33 frames of input, 2 MiB by default, the classic
 * codecs' state for frames no model predicts, tens of MiB, plus 1 MiB of
 * buffers each way) whatever the length of the stream. */
LLMZIP_API int llmzip_cstream_create(const llmzip_model* m, const llmzip_options* opt, llmzip_cstream** out);
/* Frees the stream, abandoning unfinished work. NULL is allowed. */
LLMZIP_API void llmzip_cstream_free(llmzip_cstream* s);
/* Before the first input: the total input size, so frames are sized as for a
 * file of that size (bytes equal llmzip_compress() and `llmzip -c FILE`).
 * Without it the stream sizes frames as for a pipe. The size is a hint for
 * framing only; a stream of another length is still correct. */
LLMZIP_API int llmzip_cstream_set_pledged_size(llmzip_cstream* s, uint64_t size);

/* Pushes input and pulls output. Consumes what it can of `in` and writes what
 * output is ready into `out`. With finish == 0 it returns LLMZIP_OK once all
 * of `in` is consumed or `out` is full. With finish != 0 the input ends with
 * `in`: it blocks until everything is written, returning LLMZIP_OK while
 * `out` fills up (call again with more room) and LLMZIP_STREAM_END when the
 * whole file has been delivered. Errors end the stream (every later call
 * returns the same error). May block while the model works. */
LLMZIP_API int llmzip_cstream_compress(llmzip_cstream* s, llmzip_in_buffer* in, llmzip_out_buffer* out, int finish);

/* A decompression stream. Checks the model fingerprint, every frame checksum
 * (before the frame's bytes are handed out) and the content checksum;
 * concatenated .llmz files decode to the concatenation of their contents, so
 * the end of the input must be announced with finish != 0 (a stream that
 * stops inside a file is LLMZIP_ERROR_TRUNCATED). `name` names the input in
 * messages (NULL: "<stream>"). */
LLMZIP_API int llmzip_dstream_create(const llmzip_model* m, const llmzip_options* opt, const char* name,
                                     llmzip_dstream** out);
LLMZIP_API void llmzip_dstream_free(llmzip_dstream* s);
/* As llmzip_cstream_compress, the other way. */
LLMZIP_API int llmzip_dstream_decompress(llmzip_dstream* s, llmzip_in_buffer* in, llmzip_out_buffer* out, int finish);

/* ---- Measuring --------------------------------------------------------- */

typedef struct llmzip_score_result {
  uint64_t n_bytes;
  uint64_t n_chars;     /* UTF-8 code points (an invalid byte counts as one) */
  uint64_t n_tokens;    /* coded tokens (frames compress would store count 0) */
  uint64_t n_frames;
  double total_bits;    /* what compress spends on the payloads */
  double model_bits;    /* the model alone over the same tokens (LLMZip's entropy bound) */
} llmzip_score_result;

typedef struct llmzip_token_score {
  uint64_t offset;      /* byte offset of the token's first byte in the text */
  int32_t id;
  uint32_t n_bytes;     /* bytes the token stands for */
  double bits;          /* -log2 p(token) under the coder's frequencies */
  double model_bits;    /* the same under the model's own table */
  uint32_t rank;        /* 0 = the model's most likely token */
  uint32_t reserved0;
  double entropy_bits;  /* entropy of that step's distribution */
} llmzip_token_score;

/* Called once per coded token in text order; return 0 to go on, anything
 * else to stop (llmzip_score then returns LLMZIP_OK with the totals). */
typedef int (*llmzip_token_callback)(void* user, const llmzip_token_score* token);

/* Bits the codec spends on `text` (`llmzip score`). `on_token` may be NULL
 * (per-token ranks and entropies cost a pass over the vocabulary each). */
LLMZIP_API int llmzip_score(const llmzip_model* m, const void* text, size_t size, const llmzip_options* opt,
                            llmzip_score_result* result, llmzip_token_callback on_token, void* user);

/* The model's token ids for `text` (`llmzip tokenize`). Writes at most
 * `capacity` ids and sets *n_ids to the full count: call with capacity 0 to
 * learn it. */
LLMZIP_API int llmzip_tokenize(const llmzip_model* m, const void* text, size_t size, int32_t* ids, size_t capacity,
                               size_t* n_ids);
/* The bytes token `id` stands for (valid while m lives). */
LLMZIP_API int llmzip_token_bytes(const llmzip_model* m, int32_t id, const char** bytes, size_t* size);

/* Compression-based distance with the model as compressor (`llmzip distance`). */
typedef struct llmzip_distance_result {
  double c_x, c_y;        /* C(x), C(y) in bits */
  double c_x_given_y;     /* C(x|y) */
  double c_y_given_x;     /* C(y|x) */
  double c_xy;            /* C(x) + C(y|x) */
  double nid;             /* max(C(x|y), C(y|x)) / max(C(x), C(y)) */
  double ncd;             /* (C(xy) - min(C(x), C(y))) / max(C(x), C(y)) */
} llmzip_distance_result;

LLMZIP_API int llmzip_distance(const llmzip_model* m, const void* x, size_t x_size, const void* y, size_t y_size,
                               const llmzip_options* opt, llmzip_distance_result* result);

#ifdef __cplusplus
}
#endif

#endif /* LLMZIP_LLMZIP_H */
