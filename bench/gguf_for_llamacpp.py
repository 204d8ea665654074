#!/usr/bin/env python3
"""Makes a gen_bench_model file loadable by llama.cpp (used by bench/vs_llamacpp.sh).

    bench/gguf_for_llamacpp.py IN.gguf OUT.gguf

gen_bench_model writes a placeholder vocabulary (tokenizer.ggml.model = "gpt2"
without tokenizer.ggml.merges); llama.cpp refuses a BPE vocabulary without
merges ("cannot find tokenizer merges in model file"). The copy differs from
IN in four bytes: tokenizer.ggml.model becomes "none" (same length, so no
offset moves), which llama.cpp loads as LLAMA_VOCAB_TYPE_NONE with
<arch>.vocab_size dummy tokens; llama-bench and llama-batched-bench feed
random token ids, so the vocabulary's contents do not matter. Weights,
shapes and every other key are untouched.

Prints the path to give llama.cpp: OUT after writing it, or IN itself when IN
needs no change (a real vocabulary with merges, e.g. the built-in model).
Standard library only (no numpy / gguf-py).
"""
import os
import shutil
import struct
import sys

# GGUF value types -> struct format of a scalar (8 = string, 9 = array)
SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


class Reader:
    def __init__(self, f):
        self.f = f

    def read(self, fmt):
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.f.read(size))[0]

    def string(self):
        n = self.read("Q")
        return self.f.read(n)

    def skip_value(self, t):
        if t == 8:
            self.f.seek(self.read("Q"), 1)
        elif t == 9:
            et, n = self.read("I"), self.read("Q")
            if et in SCALAR:
                self.f.seek(n * struct.calcsize("<" + SCALAR[et]), 1)
            else:
                for _ in range(n):
                    self.skip_value(et)
        else:
            self.f.seek(struct.calcsize("<" + SCALAR[t]), 1)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        r = Reader(f)
        if f.read(4) != b"GGUF":
            sys.exit(f"{src}: not a GGUF file")
        version, _n_tensors, n_kv = r.read("I"), r.read("Q"), r.read("Q")
        if version < 2:
            sys.exit(f"{src}: GGUF v{version} not supported")
        model_off, model_val, has_merges = None, None, False
        for _ in range(n_kv):
            key = r.string()
            t = r.read("I")
            if key == b"tokenizer.ggml.model" and t == 8:
                n = r.read("Q")
                model_off, model_val = f.tell(), f.read(n)
                continue
            if key == b"tokenizer.ggml.merges":
                has_merges = True
            r.skip_value(t)
    if model_val != b"gpt2" or has_merges:
        print(src)
        return
    if not (os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src)
            and os.path.getsize(dst) == os.path.getsize(src)):
        tmp = dst + ".tmp"
        shutil.copyfile(src, tmp)
        with open(tmp, "r+b") as f:
            f.seek(model_off)
            f.write(b"none")
        os.replace(tmp, dst)
    print(dst)


if __name__ == "__main__":
    main()
