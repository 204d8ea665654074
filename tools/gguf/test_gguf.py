#!/usr/bin/python3
"""Tests for the Python GGUF writer/reader and the BPE (run: /usr/bin/python3 tools/gguf/test_gguf.py)."""
import os
import struct
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
import bpe  # noqa: E402
import gguf  # noqa: E402


class GgufTest(unittest.TestCase):
    def test_round_trip(self):
        w = gguf.GgufWriter()
        w.add("general.architecture", gguf.T_STR, "llama")
        w.add("llama.block_count", gguf.T_U32, 4)
        w.add("llama.rope.freq_base", gguf.T_F32, 10000.0)
        w.add("tokenizer.ggml.add_bos_token", gguf.T_BOOL, True)
        w.add_array("tokenizer.ggml.tokens", gguf.T_STR, ["a", "Ġb", "<|endoftext|>"])
        w.add_array("tokenizer.ggml.token_type", gguf.T_I32, [1, 1, 3])
        rng = np.random.default_rng(0)
        norm = rng.standard_normal(64).astype(np.float32)
        mat = rng.standard_normal((3, 64)).astype(np.float32)
        w.add_tensor("n.weight", norm, gguf.GGML_F32)
        w.add_tensor("m.weight", mat, gguf.GGML_Q8_0)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.gguf")
            w.write(p)
            raw = open(p, "rb").read()
            r = gguf.GgufReader(p)
        self.assertEqual(raw[:4], b"GGUF")
        self.assertEqual(struct.unpack_from("<IQQ", raw, 4), (3, 2, 6))
        self.assertEqual(r.kv["general.architecture"], "llama")
        self.assertEqual(r.kv["llama.block_count"], 4)
        self.assertEqual(r.kv["llama.rope.freq_base"], 10000.0)
        self.assertIs(r.kv["tokenizer.ggml.add_bos_token"], True)
        self.assertEqual(r.kv["tokenizer.ggml.tokens"], ["a", "Ġb", "<|endoftext|>"])
        self.assertEqual(r.kv["tokenizer.ggml.token_type"], [1, 1, 3])
        shape, gt, arr = r.tensors["n.weight"]
        self.assertEqual((shape, gt), ((64,), gguf.GGML_F32))
        np.testing.assert_array_equal(arr, norm)
        shape, gt, arr = r.tensors["m.weight"]
        self.assertEqual((shape, gt), ((3, 64), gguf.GGML_Q8_0))
        # Q8_0 error is at most half a step of each block's scale.
        step = np.abs(mat.reshape(-1, 32)).max(1) / 127
        err = np.abs(arr.reshape(-1, 32) - mat.reshape(-1, 32)).max(1)
        self.assertTrue(np.all(err <= step * 0.5 + 1e-3 * step))

    def test_q8_0_block_layout(self):
        x = np.zeros((1, 32), np.float32)
        x[0, 0], x[0, 1], x[0, 2] = 1.27, -0.635, 0.005
        raw = gguf.quantize_q8_0(x)
        self.assertEqual(len(raw), 34)
        d = np.frombuffer(raw[:2], "<f2")[0]
        self.assertAlmostEqual(float(d), 0.01, places=4)
        q = np.frombuffer(raw[2:], np.int8)
        # 1.27/0.01 = 127, -0.635/0.01 = -63.5 -> -64 (round half away), 0.5 -> 1
        self.assertEqual(list(q[:4]), [127, -64, 1, 0])


class BpeTest(unittest.TestCase):
    def test_byte_tokens_and_round_trip(self):
        tok = bpe.Tokenizer([(ord("t"), ord("h")), (256, ord("e")), (ord(" "), 257)])
        s = tok.token_strings()
        self.assertEqual(len(s), 256 + 3 + 1)
        self.assertEqual(s[ord(" ")], "Ġ")
        self.assertEqual(s[258], "Ġthe")
        self.assertEqual(tok.merge_strings(), ["t h", "th e", "Ġ the"])
        text = "the theme, thé\n\n  x"
        ids = tok.encode(text)
        self.assertEqual(tok.decode(ids), text.encode())
        self.assertIn(258, ids)
        self.assertEqual(bpe.pretokenize("Hello world's 123  x\n"),
                         ["Hello", " world", "'s", " 123", " ", " x", "\n"])


if __name__ == "__main__":
    unittest.main()
