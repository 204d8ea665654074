"""Llama-architecture model, written directly in llama.cpp's GGUF conventions.

Why the GGUF convention: llama.cpp's `llama` architecture uses the "normal"
RoPE, which rotates *adjacent* pairs (x[2i], x[2i+1]) by pos * base^(-2i/d).
Hugging Face checkpoints rotate halves instead and the HF->GGUF converter
permutes the Q/K rows to compensate.  Training with adjacent pairs means the
exporter writes the weights as they are, with no permutation to get wrong.

Weights are stored as llama.cpp expects them ([out, in] for every linear,
which is also torch's nn.Linear layout); the output projection is tied to the
token embedding (no `output.weight` in the GGUF, llama.cpp falls back to
`token_embd.weight`).
"""
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    n_vocab: int = 8192
    n_ctx: int = 512
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 4
    n_head_kv: int = 4
    n_ff: int = 704
    rope_base: float = 10000.0
    norm_eps: float = 1e-5

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        xf = x.float()
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (y * self.weight).to(x.dtype)


def rope_tables(cfg, device):
    hd = cfg.n_embd // cfg.n_head
    inv = cfg.rope_base ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    t = torch.arange(cfg.n_ctx, dtype=torch.float64)
    ang = torch.outer(t, inv)
    return ang.cos().float().to(device), ang.sin().float().to(device)


def apply_rope(x, cos, sin):
    # x: [B, H, T, hd]; adjacent pairs (0,1), (2,3), ... as llama.cpp NORM rope.
    T = x.shape[2]
    c, s = cos[:T], sin[:T]
    xf = x.float()
    x0, x1 = xf[..., 0::2], xf[..., 1::2]
    y0 = x0 * c - x1 * s
    y1 = x0 * s + x1 * c
    return torch.stack((y0, y1), dim=-1).flatten(-2).to(x.dtype)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, hd = cfg.n_embd, cfg.n_embd // cfg.n_head
        self.cfg = cfg
        self.attn_norm = RMSNorm(d, cfg.norm_eps)
        self.wq = nn.Linear(d, cfg.n_head * hd, bias=False)
        self.wk = nn.Linear(d, cfg.n_head_kv * hd, bias=False)
        self.wv = nn.Linear(d, cfg.n_head_kv * hd, bias=False)
        self.wo = nn.Linear(cfg.n_head * hd, d, bias=False)
        self.ffn_norm = RMSNorm(d, cfg.norm_eps)
        self.w_gate = nn.Linear(d, cfg.n_ff, bias=False)
        self.w_up = nn.Linear(d, cfg.n_ff, bias=False)
        self.w_down = nn.Linear(cfg.n_ff, d, bias=False)

    def forward(self, x, cos, sin, mask):
        cfg = self.cfg
        B, T, d = x.shape
        hd = d // cfg.n_head
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, cfg.n_head, hd).transpose(1, 2)
        k = self.wk(h).view(B, T, cfg.n_head_kv, hd).transpose(1, 2)
        v = self.wv(h).view(B, T, cfg.n_head_kv, hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cfg.n_head_kv != cfg.n_head:
            r = cfg.n_head // cfg.n_head_kv
            k = k.repeat_interleave(r, dim=1)
            v = v.repeat_interleave(r, dim=1)
        if hasattr(F, "scaled_dot_product_attention"):
            # torch >= 2.0 (the GPU machines): fused causal attention, the same
            # function without materialising the T x T matrix.
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-1, -2)).float() * (1.0 / math.sqrt(hd))
            att = att.masked_fill(mask[:T, :T], float("-inf"))
            att = F.softmax(att, dim=-1).to(v.dtype)
            y = att @ v
        y = y.transpose(1, 2).reshape(B, T, cfg.n_head * hd)
        x = x + self.wo(y)
        h = self.ffn_norm(x)
        x = x + self.w_down(F.silu(self.w_gate(h)) * self.w_up(h))
        return x


class Llama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_embd = nn.Embedding(cfg.n_vocab, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.output_norm = RMSNorm(cfg.n_embd, cfg.norm_eps)
        self.register_buffer("mask", torch.triu(torch.ones(cfg.n_ctx, cfg.n_ctx,
                                                           dtype=torch.bool), 1),
                             persistent=False)
        cos, sin = rope_tables(cfg, "cpu")
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self):
        std = 0.02
        for n, p in self.named_parameters():
            if p.dim() == 2:
                s = std
                if n.endswith("wo.weight") or n.endswith("w_down.weight"):
                    s = std / math.sqrt(2 * self.cfg.n_layer)
                nn.init.normal_(p, 0.0, s)

    def forward(self, idx):
        x = self.tok_embd(idx)
        for b in self.blocks:
            x = b(x, self.cos, self.sin, self.mask)
        x = self.output_norm(x)
        return F.linear(x, self.tok_embd.weight)       # tied output

    def n_params(self):
        return sum(p.numel() for p in self.parameters())

    def gguf_tensors(self):
        """(gguf name, float32 numpy array) in llama.cpp naming and layout."""
        out = [("token_embd.weight", self.tok_embd.weight)]
        for i, b in enumerate(self.blocks):
            p = "blk.%d." % i
            out += [(p + "attn_norm.weight", b.attn_norm.weight),
                    (p + "attn_q.weight", b.wq.weight),
                    (p + "attn_k.weight", b.wk.weight),
                    (p + "attn_v.weight", b.wv.weight),
                    (p + "attn_output.weight", b.wo.weight),
                    (p + "ffn_norm.weight", b.ffn_norm.weight),
                    (p + "ffn_gate.weight", b.w_gate.weight),
                    (p + "ffn_up.weight", b.w_up.weight),
                    (p + "ffn_down.weight", b.w_down.weight)]
        out.append(("output_norm.weight", self.output_norm.weight))
        return [(n, t.detach().float().cpu().numpy()) for n, t in out]
