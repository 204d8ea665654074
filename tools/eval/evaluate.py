#!/usr/bin/python3
"""Bits per byte of the default model vs classic compressors; writes a CSV.

Usage:
  tools/eval/evaluate.py --model models/llmzip-default.gguf \\
      [--valid tools/work/corpus/valid.txt] [--out docs/model-results.csv] \\
      [--llmzip build-x/cli/llmzip] [--max-bytes N] [--threads 2]

Rows written (bits per byte = 8 * compressed bytes / original bytes):
  * model-pytorch: the GGUF is read back with our reader (Q8_0 dequantized),
    run in float32 PyTorch, and -log2 p(token) is summed over the whole
    validation file.  Each document starts with <|endoftext|> (the BOS the
    model was trained with); a document longer than the context is scored in
    windows of n_ctx with stride n_ctx/2 (every token sees >= n_ctx/2 context).
    The <|endoftext|> targets stand for the "\\f\\n" document separators.
    This is the ideal code length; llmzip's range coder and framing add a
    little on top.
  * llmzip (when --llmzip is given): the real compressed size and speed.
  * zpaq -m5, xz -9e, zstd --ultra -22, bzip2 -9, brotli -q 11 on the same file.
"""
import argparse
import csv
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # see tools/train/train.py

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gguf"))
sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
sys.path.insert(0, os.path.join(HERE, "..", "train"))
import bpe  # noqa: E402
import gguf  # noqa: E402
from model import Config, Llama  # noqa: E402

DOC_SEP = "\f\n"


def model_from_gguf(path):
    r = gguf.GgufReader(path)
    kv = r.kv
    assert kv["general.architecture"] == "llama"
    cfg = Config(n_vocab=len(kv["tokenizer.ggml.tokens"]), n_ctx=kv["llama.context_length"],
                 n_embd=kv["llama.embedding_length"], n_layer=kv["llama.block_count"],
                 n_head=kv["llama.attention.head_count"],
                 n_head_kv=kv["llama.attention.head_count_kv"],
                 n_ff=kv["llama.feed_forward_length"], rope_base=kv["llama.rope.freq_base"],
                 norm_eps=kv["llama.attention.layer_norm_rms_epsilon"])
    m = Llama(cfg)
    t = {n: torch.from_numpy(a.astype(np.float32)) for n, (_, _, a) in r.tensors.items()}
    with torch.no_grad():
        m.tok_embd.weight.copy_(t["token_embd.weight"])
        for i, b in enumerate(m.blocks):
            p = "blk.%d." % i
            b.attn_norm.weight.copy_(t[p + "attn_norm.weight"])
            b.wq.weight.copy_(t[p + "attn_q.weight"])
            b.wk.weight.copy_(t[p + "attn_k.weight"])
            b.wv.weight.copy_(t[p + "attn_v.weight"])
            b.wo.weight.copy_(t[p + "attn_output.weight"])
            b.ffn_norm.weight.copy_(t[p + "ffn_norm.weight"])
            b.w_gate.weight.copy_(t[p + "ffn_gate.weight"])
            b.w_up.weight.copy_(t[p + "ffn_up.weight"])
            b.w_down.weight.copy_(t[p + "ffn_down.weight"])
        m.output_norm.weight.copy_(t["output_norm.weight"])
    merges = kv["tokenizer.ggml.merges"]
    toks = kv["tokenizer.ggml.tokens"]
    ids = {s: i for i, s in enumerate(toks)}
    tok = bpe.Tokenizer([tuple(ids[x] for x in mg.split(" ")) for mg in merges])
    assert tok.token_strings() == toks, "tokenizer in GGUF does not round-trip"
    m.eval()
    return m, tok


@torch.no_grad()
def score_doc(model, ids, batch=8, bf16=False):
    """Sum of -log2 p(ids[t] | ids[:t]) for t >= 1 (ids[0] is BOS).

    All windows have length L = min(n_ctx, len-1); after the first, each
    window ends stride tokens later and scores only its new targets."""
    n_ctx = model.cfg.n_ctx
    stride = n_ctx // 2
    n = len(ids)
    L = min(n_ctx, n - 1)
    windows, done = [(0, 0)], L          # (start, first scored output position)
    while done < n - 1:
        e = min(done + stride, n - 1)
        windows.append((e - L, done - (e - L)))
        done = e
    data = np.asarray(ids, dtype=np.int64)
    bits = 0.0
    for i in range(0, len(windows), batch):
        ws = windows[i:i + batch]
        x = torch.from_numpy(np.stack([data[s:s + L] for s, _ in ws]))
        y = torch.from_numpy(np.stack([data[s + 1:s + 1 + L] for s, _ in ws]))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x)
        lp = F.log_softmax(logits.float(), dim=-1)
        nll = -lp.gather(-1, y.unsqueeze(-1)).squeeze(-1)
        for j, (_, lo) in enumerate(ws):
            bits += nll[j, lo:].double().sum().item() / math.log(2)
    return bits, done


def model_bits(model, tok, text, bf16=False, log=sys.stderr):
    docs = text.split(DOC_SEP)
    total, n_tok = 0.0, 0
    t0 = time.time()
    for k, d in enumerate(docs):
        ids = [tok.eot] + tok.encode(d)
        if k + 1 < len(docs):
            ids.append(tok.eot)          # the separator, predicted from the document
        b, n = score_doc(model, ids, bf16=bf16)
        assert n == len(ids) - 1
        total += b
        n_tok += n
        if k % 20 == 0:
            print("  doc %d/%d, %.0fs" % (k, len(docs), time.time() - t0), file=log)
    return total, n_tok


BASELINES = [
    ("zpaq -m5", lambda src, tmp: (["zpaq", "a", os.path.join(tmp, "a.zpaq"), src, "-m5"],
                                   os.path.join(tmp, "a.zpaq"))),
    ("xz -9e", lambda src, tmp: (["sh", "-c", 'xz -9e -c "$0" > "$1"', src, os.path.join(tmp, "o")],
                                 os.path.join(tmp, "o"))),
    ("zstd --ultra -22", lambda src, tmp: (["sh", "-c", 'zstd -q --ultra -22 -c "$0" > "$1"', src,
                                            os.path.join(tmp, "o")], os.path.join(tmp, "o"))),
    ("bzip2 -9", lambda src, tmp: (["sh", "-c", 'bzip2 -9 -c "$0" > "$1"', src, os.path.join(tmp, "o")],
                                   os.path.join(tmp, "o"))),
    ("brotli -q 11", lambda src, tmp: (["sh", "-c", 'brotli -q 11 -c "$0" > "$1"', src,
                                        os.path.join(tmp, "o")], os.path.join(tmp, "o"))),
]


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_baselines(src, n_bytes):
    rows = []
    for name, mk in BASELINES:
        with tempfile.TemporaryDirectory() as tmp:
            cmd, out = mk(src, tmp)
            t0, c0 = time.time(), child_cpu()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            dt, cpu = time.time() - t0, child_cpu() - c0
            size = os.path.getsize(out)
        rows.append((name, size, 8 * size / n_bytes, n_bytes / dt / 1024, cpu))
        print("%-18s %9d bytes %.4f bpb" % (name, size, 8 * size / n_bytes), file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser()
    root = os.path.join(HERE, "..", "..")
    ap.add_argument("--model", default=os.path.join(root, "models", "llmzip-default.gguf"))
    ap.add_argument("--valid", default=os.path.join(root, "tools", "work", "corpus", "valid.txt"))
    ap.add_argument("--out", default=os.path.join(root, "docs", "model-results.csv"))
    ap.add_argument("--llmzip", default="", help="path of the llmzip binary (optional)")
    ap.add_argument("--max-bytes", type=int, default=0, help="evaluate a prefix of whole documents")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-model", action="store_true", help="no PyTorch row")
    ap.add_argument("--no-verify", action="store_true", help="skip llmzip's decompression check")
    ap.add_argument("--bf16", action="store_true",
                    help="bf16 matrix products (3x faster on CPU, ~0.1%% less exact)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    text = open(args.valid, encoding="utf-8").read()
    if args.max_bytes:
        docs, n = [], 0
        for d in text.split(DOC_SEP):
            if n >= args.max_bytes:
                break
            docs.append(d)
            n += len(d.encode()) + 2
        text = DOC_SEP.join(docs)
    raw = text.encode("utf-8")
    n_bytes = len(raw)
    tmpdir = tempfile.mkdtemp()
    src = os.path.join(tmpdir, "valid.txt")
    open(src, "wb").write(raw)

    rows = []
    model_name = os.path.basename(args.model)
    if not args.skip_model:
        model, tok = model_from_gguf(args.model)
        t0 = time.time()
        bits, n_tok = model_bits(model, tok, text, bf16=args.bf16)
        dt = time.time() - t0
        rows.append(("%s (PyTorch %s, ideal code length)" % (model_name, "bf16" if args.bf16 else "f32"),
                     math.ceil(bits / 8), bits / n_bytes, n_bytes / dt / 1024,
                     time.process_time()))
        print("model: %.4f bpb over %d tokens (%.3f bytes/token)" %
              (bits / n_bytes, n_tok, n_bytes / n_tok), file=sys.stderr)
    if args.llmzip:
        out = os.path.join(tmpdir, "valid.llmz")
        t0, c0 = time.time(), child_cpu()
        with open(out, "wb") as f:
            subprocess.run([args.llmzip, "-m", args.model, "-T", str(args.threads), "-c", src],
                           check=True, stdout=f)
        dt, cpu = time.time() - t0, child_cpu() - c0
        size = os.path.getsize(out)
        if not args.no_verify:
            back = subprocess.run([args.llmzip, "-d", "-m", args.model, "-T", str(args.threads),
                                   "-c", out], check=True, stdout=subprocess.PIPE).stdout
            assert back == raw, "llmzip round trip failed"
        rows.append(("llmzip (%s, %d threads)" % (model_name, args.threads), size,
                     8 * size / n_bytes, n_bytes / dt / 1024, cpu))
        print("llmzip: %.4f bpb, %.1f KB/s" % (8 * size / n_bytes, n_bytes / dt / 1024),
              file=sys.stderr)
    if args.llmzip:
        js = subprocess.run([args.llmzip, "score", "--json", "-m", args.model, "-T",
                             str(args.threads), src], check=True, stdout=subprocess.PIPE).stdout
        r = json.loads(js)["results"][0]
        # container_bits: what compress spends (the ideal code length per frame).
        rows.append(("llmzip score (%s, ideal code length per frame)" % model_name,
                     math.ceil(r["container_bits"] / 8), r["container_bits"] / n_bytes, 0.0, 0.0))
        print("llmzip score: %.4f bpb" % (r["container_bits"] / n_bytes), file=sys.stderr)
    rows += run_baselines(src, n_bytes)
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        # speed: wall clock on the (possibly shared) machine; cpu_s: user+sys
        # seconds, the fairer number when other jobs compete for the cores.
        w.writerow(["method", "input_bytes", "output_bytes", "bits_per_byte", "wall_KiB_s", "cpu_s"])
        for name, size, bpb, speed, cpu in rows:
            w.writerow([name, n_bytes, size, "%.4f" % bpb, "%.1f" % speed, "%.1f" % cpu])
    print("wrote", args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
