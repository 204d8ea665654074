#!/usr/bin/python3
"""Export a training checkpoint to GGUF (llama architecture, gpt2 tokenizer).

Usage:
  tools/gguf/export.py --ckpt tools/work/run1/ckpt.pt --tok tools/work/tok/tokenizer.json \\
      --out models/llmzip-default.gguf --type q8_0
  (--type f32 writes the master copy; keep it under tools/work/, never in git)

Tensor names and metadata follow llama.cpp's convert_hf_to_gguf output for a
Llama model with tied embeddings (no output.weight).  Q8_0 applies to every
2-D weight; norm vectors stay F32.
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "bpe"))
sys.path.insert(0, os.path.join(HERE, "..", "train"))
import bpe  # noqa: E402
import gguf  # noqa: E402
from model import Config, Llama  # noqa: E402

FILE_TYPE = {"f32": 0, "q8_0": 7}     # llama_ftype: ALL_F32, MOSTLY_Q8_0


def build_writer(model, tok, qtype, name):
    cfg = model.cfg
    w = gguf.GgufWriter()
    w.add("general.architecture", gguf.T_STR, "llama")
    w.add("general.name", gguf.T_STR, name)
    w.add("general.alignment", gguf.T_U32, gguf.ALIGN)
    w.add("general.file_type", gguf.T_U32, FILE_TYPE[qtype])
    w.add("general.license", gguf.T_STR, "trained by llmzip's tools on Debian-packaged texts; see docs/model-card.md")
    w.add("llama.vocab_size", gguf.T_U32, cfg.n_vocab)
    w.add("llama.context_length", gguf.T_U32, cfg.n_ctx)
    w.add("llama.embedding_length", gguf.T_U32, cfg.n_embd)
    w.add("llama.block_count", gguf.T_U32, cfg.n_layer)
    w.add("llama.feed_forward_length", gguf.T_U32, cfg.n_ff)
    w.add("llama.attention.head_count", gguf.T_U32, cfg.n_head)
    w.add("llama.attention.head_count_kv", gguf.T_U32, cfg.n_head_kv)
    w.add("llama.rope.freq_base", gguf.T_F32, float(cfg.rope_base))
    w.add("llama.rope.dimension_count", gguf.T_U32, cfg.n_embd // cfg.n_head)
    w.add("llama.attention.layer_norm_rms_epsilon", gguf.T_F32, float(cfg.norm_eps))
    w.add("tokenizer.ggml.model", gguf.T_STR, "gpt2")
    w.add("tokenizer.ggml.pre", gguf.T_STR, "gpt-2")
    w.add_array("tokenizer.ggml.tokens", gguf.T_STR, tok.token_strings())
    types = [1] * tok.n_base + [3]                  # normal ..., control <|endoftext|>
    w.add_array("tokenizer.ggml.token_type", gguf.T_I32, types)
    w.add_array("tokenizer.ggml.merges", gguf.T_STR, tok.merge_strings())
    w.add("tokenizer.ggml.bos_token_id", gguf.T_U32, tok.eot)
    w.add("tokenizer.ggml.eos_token_id", gguf.T_U32, tok.eot)
    # Training put <|endoftext|> before every document, so inference should too.
    w.add("tokenizer.ggml.add_bos_token", gguf.T_BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", gguf.T_BOOL, False)
    gt = gguf.GGML_Q8_0 if qtype == "q8_0" else gguf.GGML_F32
    for tname, arr in model.gguf_tensors():
        w.add_tensor(tname, arr, gt if arr.ndim == 2 else gguf.GGML_F32)
    return w


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    model = Llama(Config(**ck["config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck["step"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--tok", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--type", choices=sorted(FILE_TYPE), default="q8_0")
    ap.add_argument("--name", default="llmzip-default")
    args = ap.parse_args()
    model, step = load_checkpoint(args.ckpt)
    tok = bpe.Tokenizer.load(args.tok)
    assert tok.n_vocab == model.cfg.n_vocab
    build_writer(model, tok, args.type, args.name).write(args.out)
    print("wrote %s (step %d, %d bytes)" % (args.out, step, os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
