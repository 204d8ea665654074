"""File objects over .llmz, as lzma.LZMAFile and lzma.open: binary and text
modes, reading and writing, `with`, and anything that takes a file object
(shutil.copyfileobj, io.TextIOWrapper, csv, json). Reading decodes
concatenated files to their concatenation; mode "a" appends a new member,
which is therefore also read back as one stream. Memory stays bounded."""
import builtins
import io
import os

from ._stream import LLMZipCompressor, LLMZipDecompressor

_READ_CHUNK = 1 << 16


class _Reader(io.RawIOBase):
    def __init__(self, fp, model, threads, name):
        self._fp = fp
        self._dec = LLMZipDecompressor(model=model, threads=threads, name=name)
        self._pending = b""
        self._pos = 0
        self._eof = False

    def readable(self):
        return True

    def readinto(self, b):
        while self._pos == len(self._pending):
            if self._eof:
                return 0
            chunk = self._fp.read(_READ_CHUNK)
            if not chunk:
                self._pending, self._eof = self._dec.flush(), True
            else:
                self._pending = self._dec.decompress(chunk)
            self._pos = 0
        with memoryview(b) as view, view.cast("B") as out:
            n = min(len(out), len(self._pending) - self._pos)
            out[:n] = self._pending[self._pos:self._pos + n]
        self._pos += n
        return n


class LLMZipFile(io.BufferedIOBase):
    """A .llmz file opened for reading ("r"), writing ("w"), exclusive creation
    ("x") or appending a member ("a"); `filename` is a path or a binary file
    object. Settings (threads, context, frame_bytes, method, adapt) apply to
    writing; `size` (writing) pledges the total so the bytes equal
    llmzip.compress() of the whole; without it they equal `llmzip -c < pipe`."""

    def __init__(self, filename, mode="r", *, model=None, size=None, **settings):
        mode = mode.replace("b", "")
        if mode not in ("r", "w", "x", "a"):
            raise ValueError(f"invalid mode {mode!r} (r, w, x, a, with an optional b)")
        self._mode = mode
        if isinstance(filename, (str, bytes, os.PathLike)):
            self._fp = builtins.open(filename, mode + "b")
            self._owns = True
            self.name = os.fsdecode(filename)
        elif hasattr(filename, "read" if mode == "r" else "write"):
            self._fp = filename
            self._owns = False
            self.name = getattr(filename, "name", "<stream>")
        else:
            raise TypeError("filename must be a path or a file object")
        if mode == "r":
            self._buffer = io.BufferedReader(_Reader(self._fp, model, settings.get("threads", 0), str(self.name)))
            self._comp = None
        else:
            self._buffer = None
            self._comp = LLMZipCompressor(model=model, size=size, **settings)
        self._closed = False

    # -- state
    @property
    def closed(self):
        return self._closed

    def _check_open(self):
        if self._closed:
            raise ValueError("I/O operation on closed file")

    def close(self):
        if self._closed:
            return
        try:
            if self._comp is not None:
                self._fp.write(self._comp.flush())
        finally:
            self._closed = True
            self._comp = None
            self._buffer = None
            if self._owns:
                self._fp.close()

    def fileno(self):
        self._check_open()
        return self._fp.fileno()

    def readable(self):
        self._check_open()
        return self._mode == "r"

    def writable(self):
        self._check_open()
        return self._mode != "r"

    def seekable(self):
        return False

    # -- reading
    def _reader(self):
        self._check_open()
        if self._buffer is None:
            raise io.UnsupportedOperation("file not open for reading")
        return self._buffer

    def read(self, size=-1):
        return self._reader().read(size)

    def read1(self, size=-1):
        return self._reader().read1(size)

    def readinto(self, b):
        return self._reader().readinto(b)

    def readline(self, size=-1):
        return self._reader().readline(size)

    def peek(self, size=0):
        return self._reader().peek(size)

    def __iter__(self):
        self._reader()
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    # -- writing
    def write(self, data):
        self._check_open()
        if self._comp is None:
            raise io.UnsupportedOperation("file not open for writing")
        with memoryview(data) as view:
            n = view.nbytes
            out = self._comp.compress(view.tobytes())
        if out:
            self._fp.write(out)
        return n


def open(filename, mode="rb", *, model=None, encoding=None, errors=None, newline=None, **settings):
    """Open a .llmz file in binary ("rb", "wb", "xb", "ab") or text ("rt", "wt",
    "xt", "at") mode, as lzma.open. `model` and the codec settings are passed
    to LLMZipFile; encoding, errors and newline to io.TextIOWrapper."""
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"invalid mode {mode!r}")
        binary = LLMZipFile(filename, mode.replace("t", ""), model=model, **settings)
        return io.TextIOWrapper(binary, encoding, errors, newline)
    if encoding is not None or errors is not None or newline is not None:
        raise ValueError("encoding, errors and newline are for text mode only")
    return LLMZipFile(filename, mode, model=model, **settings)
