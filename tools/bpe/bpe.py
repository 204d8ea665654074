"""Byte-level BPE (GPT-2 style) shared by the trainer, the corpus encoder and the
GGUF exporter.

Contract:
  * Pre-tokenization is exactly llama.cpp's "gpt-2" pre-tokenizer regex, so the
    GGUF can declare tokenizer.ggml.pre = "gpt-2" and both llama.cpp and our C++
    tokenizer split text the same way the model was trained on.
  * Token strings use GPT-2's bytes_to_unicode() mapping (as hub models do in
    tokenizer.ggml.tokens); token id b (0..255) is the single byte b.
  * Merges are applied by rank (lowest first), the classic BPE rule.
"""
import json

import regex

GPT2_PATTERN = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) \
        + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_TO_CHAR = bytes_to_unicode()


def pretokenize(text):
    return GPT2_PATTERN.findall(text)


class Tokenizer:
    """merges: list of (left_id, right_id); merged id = 256 + index."""

    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.rank = {m: i for i, m in enumerate(self.merges)}
        self.n_base = 256 + len(self.merges)
        self.eot = self.n_base            # the single control token, last id
        self.n_vocab = self.n_base + 1
        self.token_bytes = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            self.token_bytes.append(self.token_bytes[a] + self.token_bytes[b])
        self.cache = {}

    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls(json.load(f)["merges"])

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"merges": self.merges}, f)

    def token_strings(self):
        out = ["".join(BYTE_TO_CHAR[c] for c in t) for t in self.token_bytes]
        return out + [EOT]

    def merge_strings(self):
        s = self.token_strings()
        return ["%s %s" % (s[a], s[b]) for a, b in self.merges]

    def encode_word(self, word):
        ids = self.cache.get(word)
        if ids is not None:
            return ids
        ids = list(word.encode("utf-8"))
        rank = self.rank
        while len(ids) > 1:
            best, bi = None, -1
            for i in range(len(ids) - 1):
                r = rank.get((ids[i], ids[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            new = 256 + best
            a, b = self.merges[best]
            out, i = [], 0
            while i < len(ids):
                if i < len(ids) - 1 and ids[i] == a and ids[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(ids[i])
                    i += 1
            ids = out
        if len(self.cache) < 2_000_000:
            self.cache[word] = ids
        return ids

    def encode(self, text):
        out = []
        for w in pretokenize(text):
            out.extend(self.encode_word(w))
        return out

    def decode(self, ids):
        return b"".join(self.token_bytes[i] for i in ids if i < self.n_base)
