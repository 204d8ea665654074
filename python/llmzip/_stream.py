"""Incremental compression and decompression objects, as lzma's: push bytes in,
get bytes out, memory bounded whatever the total size (llmzip_cstream /
llmzip_dstream of the C API)."""
import ctypes

from . import _capi, _check, _bytes, _model, _options
from ._capi import lib

_CHUNK = 1 << 16


class _Stream:
    _free = None

    def __init__(self, model):
        self._model = model  # keeps the model alive while the stream lives
        self._h = ctypes.c_void_p()
        self._out = ctypes.create_string_buffer(_CHUNK)
        self._finished = False

    def __del__(self):
        h = getattr(self, "_h", None)
        if h:
            type(self)._free(h)
            self._h = None

    def _run(self, data, finish):
        if self._finished:
            raise ValueError("the stream has already finished")
        src = _bytes(data)
        ib = _capi.InBuffer(ctypes.cast(ctypes.c_char_p(src), ctypes.c_void_p), len(src), 0)
        pieces = []
        while True:
            ob = _capi.OutBuffer(ctypes.cast(self._out, ctypes.c_void_p), _CHUNK, 0)
            rc = self._step(self._h, ctypes.byref(ib), ctypes.byref(ob), 1 if finish else 0)
            if ob.pos:
                pieces.append(ctypes.string_at(self._out, ob.pos))
            try:
                _check(rc)
            except Exception:
                self._finished = True
                raise
            if rc == _capi.STREAM_END:
                self._finished = True
                break
            if not finish and ib.pos == ib.size and ob.pos < _CHUNK:
                break
        return b"".join(pieces)


class LLMZipCompressor(_Stream):
    """compress(data) returns the .llmz bytes ready so far, flush() the rest.

    `size`, when given, is the total input size: frames are then sized as
    for a file of that size and the bytes equal llmzip.compress() of the
    whole input; without it they equal `llmzip -c < pipe`."""
    _free = staticmethod(lib.llmzip_cstream_free)
    _step = staticmethod(lib.llmzip_cstream_compress)

    def __init__(self, *, model=None, size=None, **settings):
        super().__init__(_model(model))
        opt = _options(**settings)
        _check(lib.llmzip_cstream_create(self._model._h, ctypes.byref(opt), ctypes.byref(self._h)))
        if size is not None:
            _check(lib.llmzip_cstream_set_pledged_size(self._h, int(size)))

    def compress(self, data) -> bytes:
        return self._run(data, False)

    def flush(self) -> bytes:
        return self._run(b"", True)


class LLMZipDecompressor(_Stream):
    """decompress(data) returns the original bytes ready so far; flush() says
    the input has ended and returns the rest (LLMZipError if it stopped inside
    a file). Concatenated .llmz files decode to their concatenation, which is
    why the end must be announced. `eof` is true after flush()."""
    _free = staticmethod(lib.llmzip_dstream_free)
    _step = staticmethod(lib.llmzip_dstream_decompress)

    def __init__(self, *, model=None, threads=0, name=None):
        super().__init__(_model(model))
        opt = _options(threads=threads)
        n = None if name is None else str(name).encode("utf-8", "replace")
        _check(lib.llmzip_dstream_create(self._model._h, ctypes.byref(opt), n, ctypes.byref(self._h)))

    @property
    def eof(self) -> bool:
        return self._finished

    def decompress(self, data) -> bytes:
        return self._run(data, False)

    def flush(self) -> bytes:
        return self._run(b"", True)
