#!/usr/bin/python3
"""Train the byte-level BPE of the default model and encode the corpus.

Usage: tools/bpe/train_bpe.py [--work tools/work] [--vocab 8192]

Reads <work>/corpus/{train,valid}.txt (documents separated by "\\f\\n"),
writes <work>/tok/tokenizer.json and <work>/tok/{train,valid}.u16 (token ids,
little-endian uint16, each document preceded by the <|endoftext|> id, which
the model also uses as BOS).

Training counts pre-token frequencies once and then merges on the
word-frequency table, updating only the words that contain the merged pair
(a heap with lazy invalidation picks the most frequent pair; ties go to the
smallest (left, right) ids so the result is deterministic).
"""
import argparse
import collections
import heapq
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402

DOC_SEP = "\f\n"


def train(word_counts, n_merges, log=sys.stderr):
    words = [list(w.encode("utf-8")) for w in word_counts]
    freqs = list(word_counts.values())
    pair_count = collections.defaultdict(int)
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        f = freqs[wi]
        for p in zip(w, w[1:]):
            pair_count[p] += f
            where[p].add(wi)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    # Two different merges can spell the same bytes (t+he vs th+e); GGUF token
    # strings must be unique, so such a pair is banned instead of merged.
    spelled = {bytes([b]): b for b in range(256)}
    tb = [bytes([b]) for b in range(256)]
    banned = set()
    t0 = time.time()
    while len(merges) < n_merges and heap:
        negc, p = heapq.heappop(heap)
        if pair_count.get(p, 0) != -negc or negc == 0:
            continue                                  # stale entry
        if p in banned:
            continue
        spelling = tb[p[0]] + tb[p[1]]
        if spelling in spelled:
            banned.add(p)
            continue
        new = 256 + len(merges)
        merges.append(p)
        tb.append(spelling)
        spelled[spelling] = new
        a, b = p
        changed = set()
        for wi in list(where[p]):
            w = words[wi]
            f = freqs[wi]
            for q in zip(w, w[1:]):
                pair_count[q] -= f
                changed.add(q)
                where[q].discard(wi)
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[wi] = out
            for q in zip(out, out[1:]):
                pair_count[q] += f
                changed.add(q)
                where[q].add(wi)
        for q in changed:
            c = pair_count[q]
            if c > 0 and q not in banned:
                heapq.heappush(heap, (-c, q))
            else:
                pair_count.pop(q, None)
                where.pop(q, None)
        if len(merges) % 1000 == 0:
            print("  %d merges, %.1fs, last count %d" % (len(merges), time.time() - t0, -negc),
                  file=log)
    return merges


def encode_file(tok, path, out_path):
    with open(path, encoding="utf-8") as f:
        docs = f.read().split(DOC_SEP)
    ids = []
    for d in docs:
        ids.append(tok.eot)
        ids.extend(tok.encode(d))
    arr = np.array(ids, dtype="<u2")
    arr.tofile(out_path)
    n_bytes = sum(len(d.encode("utf-8")) for d in docs)
    return len(arr), n_bytes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(os.path.dirname(__file__), "..", "work"))
    ap.add_argument("--vocab", type=int, default=8192,
                    help="total vocabulary: 256 bytes + merges + <|endoftext|>")
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    tokdir = os.path.join(work, "tok")
    os.makedirs(tokdir, exist_ok=True)
    t0 = time.time()
    with open(os.path.join(work, "corpus", "train.txt"), encoding="utf-8") as f:
        text = f.read()
    counts = collections.Counter()
    for d in text.split(DOC_SEP):
        counts.update(bpe.pretokenize(d))
    del text
    print("%d unique pre-tokens (%.1fs)" % (len(counts), time.time() - t0), file=sys.stderr)
    merges = train(counts, args.vocab - 257)
    tok = bpe.Tokenizer(merges)
    tok.save(os.path.join(tokdir, "tokenizer.json"))
    print("trained %d merges (%.1fs)" % (len(merges), time.time() - t0), file=sys.stderr)
    for split in ("valid", "train"):
        n_tok, n_bytes = encode_file(tok, os.path.join(work, "corpus", split + ".txt"),
                                     os.path.join(tokdir, split + ".u16"))
        print("%s: %d tokens, %d bytes, %.3f bytes/token (%.1fs)" %
              (split, n_tok, n_bytes, n_bytes / n_tok, time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
