"""llmzip: lossless compression with a language model as the predictor.

A Python package over the C library (include/llmzip/llmzip.h) through ctypes:

    import llmzip
    data = llmzip.decompress(llmzip.compress(b"some text\\n"))
    with llmzip.open("notes.txt.llmz", "wt") as f:      # like lzma.open / gzip.open
        f.write("hello\\n")
    llmzip.score("A sentence.").bits_per_byte
    llmzip.Model("other.gguf", threads=4)                 # any Llama-family GGUF

Every function takes `model=` (a Model; default: the built-in model, loaded
once) and the codec settings of the command line: threads, context,
frame_bytes, method ("ac", "rank-zlib", "tbyt"), adapt. The GIL is released
while the library works. Errors raise LLMZipError with the library's stable
`code` (the numbers of `llmzip --json` and llmzip.h). compress() gives the
bytes of `llmzip -c FILE`; the streaming objects, with no `size`, those of
`llmzip -c < pipe`.
"""
import ctypes
import threading
from dataclasses import dataclass, field
from typing import List, Optional

from . import _capi
from ._capi import lib

__all__ = ["LLMZipError", "Model", "default_model", "compress", "decompress", "decompressed_size", "members", "score",
           "tokenize", "distance", "LLMZipCompressor", "LLMZipDecompressor", "LLMZipFile", "open",
           "ScoreResult", "TokenScore", "Distance", "version", "FORMAT_VERSION"]

version = lib.llmzip_version().decode()
__version__ = version
FORMAT_VERSION = lib.llmzip_format_version()

_METHODS = {"ac": 0, "rank-zlib": 1, "tbyt": 2}


class LLMZipError(Exception):
    """An error of the library: `code` is the stable number (llmzip.h), `name`
    its short name ("truncated", "model_mismatch", ...), the message names the
    input and what is wrong."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.name = lib.llmzip_error_name(code).decode()

    def __str__(self):
        return f"{self.args[0]} [{self.name}]"

    def __reduce__(self):  # picklable: errors travel back from Dask workers
        return (LLMZipError, (self.code, self.args[0]))


def _check(rc):
    if rc != _capi.OK and rc != _capi.STREAM_END:
        raise LLMZipError(rc, lib.llmzip_error_message().decode("utf-8", "replace"))
    return rc


def _bytes(data, what="data"):
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes):
        return data
    try:
        return bytes(memoryview(data))
    except TypeError:
        raise TypeError(f"{what} must be bytes-like or str, not {type(data).__name__}") from None


def _options(threads=0, context=0, frame_bytes=0, method="ac", adapt=True):
    o = _capi.Options()
    lib.llmzip_options_init(ctypes.byref(o))
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r} (ac, rank-zlib, tbyt)")
    o.threads, o.context, o.frame_bytes = int(threads), int(context), int(frame_bytes)
    o.method, o.adapt = _METHODS[method], 1 if adapt else 0
    return o


class Model:
    """A GGUF model (memory-mapped), or the built-in model when path is None.

    One Model may be shared by any number of threads; evaluation inside one
    Model takes turns, so load one per thread for parallel throughput (the
    mapped file is shared, not copied)."""

    def __init__(self, path: Optional[str] = None, threads: int = 1):
        h = ctypes.c_void_p()
        p = None if path is None else str(path).encode()
        _check(lib.llmzip_model_load(p, ctypes.byref(h)))
        self._h = h
        self.threads = threads

    def __del__(self):
        h = getattr(self, "_h", None)
        if h:
            lib.llmzip_model_free(h)
            self._h = None

    @property
    def name(self) -> str:
        return lib.llmzip_model_name(self._h).decode("utf-8", "replace")

    @property
    def sha256(self) -> str:
        return lib.llmzip_model_sha256(self._h).decode()

    @property
    def path(self) -> str:
        return lib.llmzip_model_path(self._h).decode("utf-8", "replace")

    @property
    def vocab_size(self) -> int:
        return lib.llmzip_model_vocab_size(self._h)

    @property
    def threads(self) -> int:
        return lib.llmzip_model_threads(self._h)

    @threads.setter
    def threads(self, n: int):
        _check(lib.llmzip_model_set_threads(self._h, int(n)))

    def token_bytes(self, token_id: int) -> bytes:
        p, n = ctypes.c_void_p(), ctypes.c_size_t()
        _check(lib.llmzip_token_bytes(self._h, int(token_id), ctypes.byref(p), ctypes.byref(n)))
        return ctypes.string_at(p, n.value)

    def __repr__(self):
        return f"<llmzip.Model {self.name!r} sha256={self.sha256[:16]}...>"


_default = None
_default_lock = threading.Lock()


def default_model() -> Model:
    """The built-in model, loaded on first use and shared."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Model()
        return _default


def _model(model):
    return default_model() if model is None else model


def compress(data, *, model: Optional[Model] = None, **settings) -> bytes:
    """The .llmz bytes of `data` (the same as `llmzip -c FILE` with these settings)."""
    m, src, opt = _model(model), _bytes(data), _options(**settings)
    cap = lib.llmzip_compress_bound(m._h, len(src), ctypes.byref(opt))
    out = ctypes.create_string_buffer(cap)
    n = ctypes.c_size_t()
    _check(lib.llmzip_compress(m._h, src, len(src), out, cap, ctypes.byref(n), ctypes.byref(opt)))
    return out.raw[:n.value]


def decompressed_size(data) -> int:
    """The size decompress() will return, from the frame headers (no model run)."""
    src = _bytes(data)
    n = ctypes.c_uint64()
    _check(lib.llmzip_decompressed_size(src, len(src), ctypes.byref(n)))
    return n.value


def members(data) -> List[int]:
    """Offsets where the files of a concatenation of .llmz files start (the
    first is 0), from their structure, without the model. `data` is bytes or a
    writable buffer (bytearray, mmap.ACCESS_COPY)."""
    if isinstance(data, bytes):
        ptr, size, keep = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p), len(data), None
    else:
        keep = (ctypes.c_char * len(data)).from_buffer(data)  # released below: the caller may close an mmap
        ptr, size = ctypes.c_void_p(ctypes.addressof(keep)), len(data)
    try:
        n = ctypes.c_size_t()
        _check(lib.llmzip_members(ptr, size, None, 0, ctypes.byref(n)))
        offsets = (ctypes.c_uint64 * max(1, n.value))()
        _check(lib.llmzip_members(ptr, size, offsets, n.value, ctypes.byref(n)))
        return list(offsets[:n.value])
    finally:
        del keep


def decompress(data, *, model: Optional[Model] = None, threads: int = 0) -> bytes:
    """The original bytes of a .llmz (concatenated files: their concatenation)."""
    m, src, opt = _model(model), _bytes(data), _options(threads=threads)
    size = decompressed_size(src)
    out = ctypes.create_string_buffer(max(1, size))
    n = ctypes.c_size_t()
    _check(lib.llmzip_decompress(m._h, src, len(src), out, size, ctypes.byref(n), ctypes.byref(opt)))
    return out.raw[:n.value]


@dataclass
class TokenScore:
    offset: int          # byte offset of the token in the text
    id: int
    n_bytes: int
    bits: float          # -log2 p under the coder's frequencies
    model_bits: float    # the same under the model alone
    rank: int            # 0 = the model's most likely token
    entropy_bits: float


@dataclass
class ScoreResult:
    n_bytes: int
    n_chars: int
    n_tokens: int
    n_frames: int
    total_bits: float    # what compress spends on the payloads
    model_bits: float    # the model alone (LLMZip's entropy bound)
    tokens: List[TokenScore] = field(default_factory=list)

    @property
    def bits_per_byte(self) -> float:
        return self.total_bits / self.n_bytes if self.n_bytes else 0.0


def score(text, *, model: Optional[Model] = None, per_token: bool = False, **settings) -> ScoreResult:
    """Bits the codec spends on `text` (str: UTF-8), as `llmzip score`."""
    m, src, opt = _model(model), _bytes(text, "text"), _options(**settings)
    tokens = []

    def on_token(_user, t):
        c = t.contents
        tokens.append(TokenScore(c.offset, c.id, c.n_bytes, c.bits, c.model_bits, c.rank, c.entropy_bits))
        return 0

    cb = _capi.TOKEN_CALLBACK(on_token) if per_token else ctypes.cast(None, _capi.TOKEN_CALLBACK)
    r = _capi.ScoreResult()
    _check(lib.llmzip_score(m._h, src, len(src), ctypes.byref(opt), ctypes.byref(r), cb, None))
    return ScoreResult(r.n_bytes, r.n_chars, r.n_tokens, r.n_frames, r.total_bits, r.model_bits, tokens)


def tokenize(text, *, model: Optional[Model] = None) -> List[int]:
    """The model's token ids for `text` (str: UTF-8), as `llmzip tokenize`."""
    m, src = _model(model), _bytes(text, "text")
    n = ctypes.c_size_t()
    _check(lib.llmzip_tokenize(m._h, src, len(src), None, 0, ctypes.byref(n)))
    ids = (ctypes.c_int32 * max(1, n.value))()
    _check(lib.llmzip_tokenize(m._h, src, len(src), ids, n.value, ctypes.byref(n)))
    return list(ids[:n.value])


@dataclass
class Distance:
    c_x: float
    c_y: float
    c_x_given_y: float
    c_y_given_x: float
    c_xy: float
    nid: float   # max(C(x|y), C(y|x)) / max(C(x), C(y))
    ncd: float   # (C(xy) - min(C(x), C(y))) / max(C(x), C(y))


def distance(x, y, *, model: Optional[Model] = None, **settings) -> Distance:
    """Compression distance of two texts with the model (`llmzip distance`)."""
    m, a, b, opt = _model(model), _bytes(x, "x"), _bytes(y, "y"), _options(**settings)
    r = _capi.DistanceResult()
    _check(lib.llmzip_distance(m._h, a, len(a), b, len(b), ctypes.byref(opt), ctypes.byref(r)))
    return Distance(r.c_x, r.c_y, r.c_x_given_y, r.c_y_given_x, r.c_xy, r.nid, r.ncd)


from ._stream import LLMZipCompressor, LLMZipDecompressor  # noqa: E402
from ._file import LLMZipFile, open  # noqa: E402
