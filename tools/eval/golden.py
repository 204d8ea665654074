#!/usr/bin/python3
"""Reference per-token log-probabilities of a GGUF model, from PyTorch.

  tools/eval/golden.py [--model models/llmzip-default.gguf] [--text samples/sample.txt]
                       [--out models/llmzip-default.golden.jsonl] [--max-tokens 512]

Reads the GGUF back with our Python reader (Q8_0 dequantized to float32), runs
the model in float32 PyTorch (tools/train/model.py, an implementation
independent of the C++ engine) over <|endoftext|> + the text's tokens (at most
--max-tokens, BOS included) and writes the testdata golden format: a header
line, then one line per position {"pos","token","next","logprob"} (natural
log).  model/golden_test.cc checks the C++ engine against this file for the
built-in model.  PyTorch does not quantize activations as llama.cpp and our
engine do, so the comparison uses the testdata README's tolerances for a
quantized model without activation quantization.
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from evaluate import model_from_gguf  # noqa: E402


def main():
    root = os.path.join(HERE, "..", "..")
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(root, "models", "llmzip-default.gguf"))
    ap.add_argument("--text", default=os.path.join(root, "samples", "sample.txt"))
    ap.add_argument("--out", default=os.path.join(root, "models", "llmzip-default.golden.jsonl"))
    ap.add_argument("--max-tokens", type=int, default=512)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, tok = model_from_gguf(args.model)
    text = open(args.text, "rb").read().decode("utf-8")
    ids = ([tok.eot] + tok.encode(text))[:args.max_tokens]
    with torch.no_grad():
        logits = model(torch.tensor([ids]))[0].double()
    lp = F.log_softmax(logits, dim=-1)
    lines = []
    total = 0.0
    for p in range(len(ids) - 1):
        v = lp[p, ids[p + 1]].item()
        total += -v / math.log(2)
        lines.append({"pos": p, "token": ids[p], "next": ids[p + 1], "logprob": round(v, 6)})
    head = {"model": os.path.basename(args.model), "text": os.path.basename(args.text),
            "n_tokens": len(ids), "n_predictions": len(ids) - 1, "total_bits": round(total, 6),
            "bits_per_token": round(total / (len(ids) - 1), 6),
            "tokenization": "tools/bpe (Python), <|endoftext|> as BOS",
            "engine": "PyTorch %s float32, tools/eval/golden.py, weights dequantized from the GGUF"
                      % torch.__version__.split("+")[0]}
    with open(args.out, "w") as f:
        f.write(json.dumps(head, separators=(",", ":")) + "\n")
        for ln in lines:
            f.write(json.dumps(ln, separators=(",", ":")) + "\n")
    print("wrote %s: %d predictions, %.3f bits/token" % (args.out, len(lines), total / len(lines)))


if __name__ == "__main__":
    main()
