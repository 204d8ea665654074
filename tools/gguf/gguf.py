"""Minimal GGUF v3 writer and reader (our own; offline tooling only).

Writer contract: metadata keys are written in insertion order with explicit
value types; tensors are written in insertion order, each aligned to
`general.alignment` (32).  Supported tensor types: F32 and Q8_0 (blocks of 32:
fp16 scale d = max|x| / 127, int8 q = round-half-away(x / d)), which is
ggml's reference quantize_row_q8_0.  Shapes are given in torch order
([rows, cols]); GGUF stores ne[0] = cols (innermost) first.

The reader parses everything back (dequantizing Q8_0) so tests can check a
written file independently of the writer's code paths.
"""
import struct

import numpy as np

GGUF_MAGIC = b"GGUF"
ALIGN = 32

T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64, T_I64, T_F64 = range(13)
SCALAR_FMT = {T_U8: "<B", T_I8: "<b", T_U16: "<H", T_I16: "<h", T_U32: "<I", T_I32: "<i",
              T_F32: "<f", T_BOOL: "<?", T_U64: "<Q", T_I64: "<q", T_F64: "<d"}

GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
QK8_0 = 32


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def quantize_q8_0(x):
    """x: float32 [rows, cols], cols % 32 == 0 -> bytes of Q8_0 blocks."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    assert x.shape[-1] % QK8_0 == 0, x.shape
    blocks = x.reshape(-1, QK8_0)
    amax = np.abs(blocks).max(axis=1)
    d = (amax / np.float32(127)).astype(np.float32)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, np.float32(1)), np.float32(0)).astype(np.float32)
    v = blocks * inv[:, None]
    q = (np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))).astype(np.int8)   # roundf
    out = np.empty(len(blocks), dtype=[("d", "<f2"), ("qs", "i1", (QK8_0,))])
    out["d"] = d.astype(np.float16)
    out["qs"] = q
    return out.tobytes()


def dequantize_q8_0(raw, n):
    a = np.frombuffer(raw, dtype=[("d", "<f2"), ("qs", "i1", (QK8_0,))], count=n // QK8_0)
    return (a["d"].astype(np.float32)[:, None] * a["qs"].astype(np.float32)).reshape(-1)


class GgufWriter:
    def __init__(self):
        self.kv = []        # (key, bytes of type + value)
        self.tensors = []   # (name, shape (torch order), ggml type, bytes)

    def add(self, key, vtype, value):
        if vtype == T_STR:
            payload = struct.pack("<I", T_STR) + _str(value)
        else:
            payload = struct.pack("<I", vtype) + struct.pack(SCALAR_FMT[vtype], value)
        self.kv.append((key, payload))

    def add_array(self, key, etype, values):
        payload = struct.pack("<IIQ", T_ARR, etype, len(values))
        if etype == T_STR:
            payload += b"".join(_str(v) for v in values)
        else:
            payload += np.asarray(values, dtype=np.dtype(SCALAR_FMT[etype])).tobytes()
        self.kv.append((key, payload))

    def add_tensor(self, name, array, ggml_type):
        array = np.asarray(array, dtype=np.float32)
        if ggml_type == GGML_F32:
            data = np.ascontiguousarray(array).astype("<f4").tobytes()
        elif ggml_type == GGML_Q8_0:
            data = quantize_q8_0(array)
        else:
            raise ValueError("unsupported tensor type %d" % ggml_type)
        self.tensors.append((name, array.shape, ggml_type, data))

    def write(self, path):
        head = bytearray(GGUF_MAGIC + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
        for k, payload in self.kv:
            head += _str(k) + payload
        offset = 0
        offsets = []
        for name, shape, gt, data in self.tensors:
            offset = (offset + ALIGN - 1) // ALIGN * ALIGN
            offsets.append(offset)
            ne = list(reversed(shape))
            head += _str(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
            head += struct.pack("<IQ", gt, offset)
            offset += len(data)
        head += b"\0" * ((-len(head)) % ALIGN)
        with open(path, "wb") as f:
            f.write(head)
            pos = 0
            for (name, shape, gt, data), off in zip(self.tensors, offsets):
                f.write(b"\0" * (off - pos))
                f.write(data)
                pos = off + len(data)


class GgufReader:
    """Parses a whole GGUF file: .kv (key -> python value), .tensors
    (name -> (shape in torch order, ggml type, float32 numpy array))."""

    def __init__(self, path):
        self.b = open(path, "rb").read()
        self.p = 0
        if self.b[:4] != GGUF_MAGIC:
            raise ValueError("%s: not a GGUF file" % path)
        self.p = 4
        ver, n_t, n_kv = self._u("<IQQ")
        if ver != 3:
            raise ValueError("%s: GGUF version %d" % (path, ver))
        self.kv = {}
        for _ in range(n_kv):
            k = self._s()
            (t,) = self._u("<I")
            self.kv[k] = self._val(t)
        infos = []
        for _ in range(n_t):
            name = self._s()
            (nd,) = self._u("<I")
            ne = [self._u("<Q")[0] for _ in range(nd)]
            gt, off = self._u("<IQ")
            infos.append((name, ne, gt, off))
        align = self.kv.get("general.alignment", ALIGN)
        base = (self.p + align - 1) // align * align
        self.tensors = {}
        for name, ne, gt, off in infos:
            n = int(np.prod(ne))
            start = base + off
            if gt == GGML_F32:
                arr = np.frombuffer(self.b, dtype="<f4", count=n, offset=start).copy()
            elif gt == GGML_Q8_0:
                arr = dequantize_q8_0(self.b[start:start + n // QK8_0 * 34], n)
            else:
                raise ValueError("tensor %s: type %d unsupported by this reader" % (name, gt))
            shape = tuple(reversed(ne))
            self.tensors[name] = (shape, gt, arr.reshape(shape))

    def _u(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.p)
        self.p += struct.calcsize(fmt)
        return v

    def _s(self):
        (n,) = self._u("<Q")
        s = self.b[self.p:self.p + n].decode("utf-8")
        self.p += n
        return s

    def _val(self, t):
        if t == T_STR:
            return self._s()
        if t == T_ARR:
            et, n = self._u("<IQ")
            return [self._val(et) for _ in range(n)]
        return self._u(SCALAR_FMT[t])[0]
