"""ctypes declarations of the C API (include/llmzip/llmzip.h) and the library lookup.

Why ctypes: the package needs no compiler, no build step and no pybind11 of
the right version: it runs on the system /usr/bin/python3 over the installed
libllmzip.so.0, whose C API is already the stable contract. ctypes releases
the GIL around every foreign call (ctypes.CDLL, unlike PyDLL), so model work
in one thread never blocks the others; callbacks into Python (score's
per-token callback) take the GIL back for their duration.

The library is found, in order, at $LLMZIP_LIBRARY, beside this package
(llmzip/_lib/libllmzip.so.0, where a CMake install with LLMZIP_INSTALL_PYTHON
puts a link), then by the system loader (libllmzip.so.0 in a directory of
ld.so.conf or $LD_LIBRARY_PATH, as `cmake --install` into /usr/local gives).
"""
import ctypes
import ctypes.util
import os

c_size_p = ctypes.POINTER(ctypes.c_size_t)

STREAM_END = -1
OK = 0


class Options(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("threads", ctypes.c_int32), ("context", ctypes.c_uint32),
                ("reserved0", ctypes.c_uint32), ("frame_bytes", ctypes.c_uint64), ("method", ctypes.c_int32),
                ("adapt", ctypes.c_int32)]


class InBuffer(ctypes.Structure):
    _fields_ = [("src", ctypes.c_void_p), ("size", ctypes.c_size_t), ("pos", ctypes.c_size_t)]


class OutBuffer(ctypes.Structure):
    _fields_ = [("dst", ctypes.c_void_p), ("size", ctypes.c_size_t), ("pos", ctypes.c_size_t)]


class ScoreResult(ctypes.Structure):
    _fields_ = [("n_bytes", ctypes.c_uint64), ("n_chars", ctypes.c_uint64), ("n_tokens", ctypes.c_uint64),
                ("n_frames", ctypes.c_uint64), ("total_bits", ctypes.c_double), ("model_bits", ctypes.c_double)]


class TokenScore(ctypes.Structure):
    _fields_ = [("offset", ctypes.c_uint64), ("id", ctypes.c_int32), ("n_bytes", ctypes.c_uint32),
                ("bits", ctypes.c_double), ("model_bits", ctypes.c_double), ("rank", ctypes.c_uint32),
                ("reserved0", ctypes.c_uint32), ("entropy_bits", ctypes.c_double)]


class DistanceResult(ctypes.Structure):
    _fields_ = [("c_x", ctypes.c_double), ("c_y", ctypes.c_double), ("c_x_given_y", ctypes.c_double),
                ("c_y_given_x", ctypes.c_double), ("c_xy", ctypes.c_double), ("nid", ctypes.c_double),
                ("ncd", ctypes.c_double)]


TOKEN_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(TokenScore))


def _candidates():
    env = os.environ.get("LLMZIP_LIBRARY")
    if env:
        yield env
        return
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib", "libllmzip.so.0")
    if os.path.exists(here):
        yield here
    yield "libllmzip.so.0"
    found = ctypes.util.find_library("llmzip")
    if found:
        yield found


def _load():
    errors = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(f"{name}: {e}")
    raise ImportError("llmzip: cannot load the C library libllmzip.so.0 (install it with cmake --install, "
                      "or set LLMZIP_LIBRARY to its path): " + "; ".join(errors))


lib = _load()

_P = ctypes.c_void_p
_sigs = {
    "llmzip_version": (ctypes.c_char_p, []),
    "llmzip_version_number": (ctypes.c_uint, []),
    "llmzip_format_version": (ctypes.c_uint, []),
    "llmzip_error_name": (ctypes.c_char_p, [ctypes.c_int]),
    "llmzip_error_message": (ctypes.c_char_p, []),
    "llmzip_options_init": (None, [ctypes.POINTER(Options)]),
    "llmzip_model_load": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "llmzip_model_free": (None, [_P]),
    "llmzip_model_name": (ctypes.c_char_p, [_P]),
    "llmzip_model_sha256": (ctypes.c_char_p, [_P]),
    "llmzip_model_path": (ctypes.c_char_p, [_P]),
    "llmzip_model_vocab_size": (ctypes.c_uint32, [_P]),
    "llmzip_model_set_threads": (ctypes.c_int, [_P, ctypes.c_int]),
    "llmzip_model_threads": (ctypes.c_int, [_P]),
    "llmzip_compress_bound": (ctypes.c_size_t, [_P, ctypes.c_size_t, ctypes.POINTER(Options)]),
    "llmzip_compress": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, c_size_p,
                                       ctypes.POINTER(Options)]),
    "llmzip_decompressed_size": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64)]),
    "llmzip_members": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64),
                                      ctypes.c_size_t, c_size_p]),
    "llmzip_decompress": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                         c_size_p, ctypes.POINTER(Options)]),
    "llmzip_cstream_create": (ctypes.c_int, [_P, ctypes.POINTER(Options), ctypes.POINTER(_P)]),
    "llmzip_cstream_free": (None, [_P]),
    "llmzip_cstream_set_pledged_size": (ctypes.c_int, [_P, ctypes.c_uint64]),
    "llmzip_cstream_compress": (ctypes.c_int, [_P, ctypes.POINTER(InBuffer), ctypes.POINTER(OutBuffer), ctypes.c_int]),
    "llmzip_dstream_create": (ctypes.c_int, [_P, ctypes.POINTER(Options), ctypes.c_char_p, ctypes.POINTER(_P)]),
    "llmzip_dstream_free": (None, [_P]),
    "llmzip_dstream_decompress": (ctypes.c_int, [_P, ctypes.POINTER(InBuffer), ctypes.POINTER(OutBuffer),
                                                 ctypes.c_int]),
    "llmzip_score": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(Options),
                                    ctypes.POINTER(ScoreResult), TOKEN_CALLBACK, ctypes.c_void_p]),
    "llmzip_tokenize": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int32),
                                       ctypes.c_size_t, c_size_p]),
    "llmzip_token_bytes": (ctypes.c_int, [_P, ctypes.c_int32, ctypes.POINTER(ctypes.c_void_p), c_size_p]),
    "llmzip_distance": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                       ctypes.POINTER(Options), ctypes.POINTER(DistanceResult)]),
}
for _name, (_res, _args) in _sigs.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args
