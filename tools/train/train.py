#!/usr/bin/python3
"""Train the llmzip default model (Llama architecture) on the encoded corpus.

Usage (CPU, this machine):
  nice -n 19 /usr/bin/python3 tools/train/train.py --run tools/work/run1 \\
      --steps 6000 --batch 16 [--n-embd 256 --n-layer 4 ...]
Resume: run the same command again; it continues from <run>/ckpt.pt.
GPU: add --device cuda (bf16 autocast on CUDA as well).
Benchmark tokens/s of a configuration: --bench 5

Inputs: <data>/train.u16, <data>/valid.u16, <data>/tokenizer.json written by
tools/bpe/train_bpe.py (default <data> = tools/work/tok).
Outputs in <run>/: ckpt.pt (model + optimizer + step + RNG, rewritten every
--ckpt-minutes), config.json, log.tsv (step, seconds, lr, train loss,
validation bits per byte).

Determinism: fixed seeds; batches are drawn from a generator seeded by
(seed, step) so a resumed run sees the same data as an uninterrupted one.
"""
import argparse
import json
import math
import os
import sys
import time

# Passive OpenMP barriers: on a shared, oversubscribed CPU spinning threads
# halve throughput.  Must be set before torch initialises OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bpe"))
import bpe  # noqa: E402
from model import Config, Llama  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def token_byte_lengths(tok):
    lens = np.array([len(b) for b in tok.token_bytes] + [0], dtype=np.int64)
    return lens


def get_batch(data, step, seed, batch, n_ctx):
    g = np.random.default_rng([seed, step])
    starts = g.integers(0, len(data) - n_ctx - 1, size=batch)
    x = np.stack([data[s:s + n_ctx] for s in starts]).astype(np.int64)
    y = np.stack([data[s + 1:s + 1 + n_ctx] for s in starts]).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


@torch.no_grad()
def evaluate_bpb(model, data, byte_lens, n_ctx, device, autocast, max_tokens=None, batch=8):
    """Bits per byte over `data` (validation stream).

    Windows of n_ctx tokens with stride n_ctx/2; each window scores only the
    tokens that had at least n_ctx/2 of context (all of them in the first
    window), so every token is scored exactly once with a long context.
    <|endoftext|> targets cost bits but carry 0 bytes, as in compression where
    they are not coded at all (slightly pessimistic).
    """
    model.eval()
    n = len(data) - 1 if max_tokens is None else min(len(data) - 1, max_tokens)
    stride = n_ctx // 2
    starts = list(range(0, max(1, n - n_ctx + 1), stride))
    total_bits, total_bytes = 0.0, 0
    for i in range(0, len(starts), batch):
        ss = starts[i:i + batch]
        x = torch.from_numpy(np.stack([data[s:s + n_ctx] for s in ss]).astype(np.int64)).to(device)
        y = torch.from_numpy(np.stack([data[s + 1:s + 1 + n_ctx] for s in ss]).astype(np.int64)).to(device)
        with autocast():
            logits = model(x)
        lp = F.log_softmax(logits.float(), dim=-1)
        nll = -lp.gather(-1, y.unsqueeze(-1)).squeeze(-1)
        for j, s in enumerate(ss):
            lo = 0 if s == 0 else stride
            total_bits += nll[j, lo:].sum().item() / math.log(2)
            total_bytes += int(byte_lens[y[j, lo:].cpu().numpy()].sum())
    model.train()
    return total_bits / max(1, total_bytes)


def progress(step, elapsed, args):
    """Fraction of the run done: by steps, or by wall time when --time-budget
    is set (whichever is further), so a run on a shared CPU still completes
    its learning-rate decay before a deadline."""
    p = step / args.steps
    if args.time_budget:
        p = max(p, elapsed / args.time_budget)
    return min(1.0, p)


def lr_at(step, prog, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    frac = prog
    return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * frac)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "work", "tok"))
    ap.add_argument("--run", default=os.path.join(HERE, "..", "work", "run1"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--n-ctx", type=int, default=512)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-head-kv", type=int, default=4)
    ap.add_argument("--n-ff", type=int, default=704)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-tokens", type=int, default=65536)
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--time-budget", type=float, default=0,
                    help="seconds of training; the cosine schedule follows wall time")
    ap.add_argument("--bench", type=int, default=0, help="time N steps and exit")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device(args.device)
    if device.type == "cuda":
        autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)  # noqa: E731
    else:
        autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16)  # noqa: E731

    tok = bpe.Tokenizer.load(os.path.join(args.data, "tokenizer.json"))
    byte_lens = token_byte_lengths(tok)
    train = np.memmap(os.path.join(args.data, "train.u16"), dtype="<u2", mode="r")
    valid = np.memmap(os.path.join(args.data, "valid.u16"), dtype="<u2", mode="r")

    cfg = Config(n_vocab=tok.n_vocab, n_ctx=args.n_ctx, n_embd=args.n_embd,
                 n_layer=args.n_layer, n_head=args.n_head, n_head_kv=args.n_head_kv,
                 n_ff=args.n_ff)
    os.makedirs(args.run, exist_ok=True)
    ckpt_path = os.path.join(args.run, "ckpt.pt")
    step = 0
    elapsed0 = 0.0
    if os.path.exists(ckpt_path) and not args.bench:
        ck = torch.load(ckpt_path, map_location="cpu")
        cfg = Config(**ck["config"])
    model = Llama(cfg).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    if os.path.exists(ckpt_path) and not args.bench:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
        elapsed0 = ck.get("elapsed", 0.0)
        torch.set_rng_state(ck["torch_rng"])
        print("resumed at step %d" % step, file=sys.stderr)
    with open(os.path.join(args.run, "config.json"), "w") as f:
        json.dump({"model": cfg.to_dict(), "args": vars(args)}, f, indent=1)
    print("params %.2fM (non-embedding %.2fM), %d train tokens" %
          (model.n_params() / 1e6, (model.n_params() - cfg.n_vocab * cfg.n_embd) / 1e6,
           len(train)), file=sys.stderr)

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"config": cfg.to_dict(), "model": model.state_dict(),
                    "opt": opt.state_dict(), "step": step,
                    "elapsed": elapsed0 + time.time() - t_start,
                    "torch_rng": torch.get_rng_state()}, tmp)
        os.replace(tmp, ckpt_path)

    log = open(os.path.join(args.run, "log.tsv"), "a")
    if log.tell() == 0 and not args.bench:
        log.write("step\tseconds\tlr\ttrain_loss\tvalid_bpb\n")
        log.flush()
    t_start = time.time()
    t_ckpt = time.time()
    losses = []
    model.train()
    end = step + args.bench if args.bench else args.steps
    done = False
    while step < end and not done:
        prog = progress(step, elapsed0 + time.time() - t_start, args)
        lr = lr_at(step, prog, args)
        for gr in opt.param_groups:
            gr["lr"] = lr
        x, y = get_batch(train, step, args.seed, args.batch, cfg.n_ctx)
        x, y = x.to(device), y.to(device)
        with autocast():
            logits = model(x)
        loss = F.cross_entropy(logits.float().view(-1, cfg.n_vocab), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        step += 1
        if args.bench:
            if step == end - args.bench + 1:
                t_start = time.time()      # skip the first (warm-up) step
            continue
        last = step == args.steps or (args.time_budget and
                                      elapsed0 + time.time() - t_start >= args.time_budget)
        done = bool(last)
        if step % args.eval_every == 0 or last:
            vb = evaluate_bpb(model, valid, byte_lens, cfg.n_ctx, device, autocast,
                              max_tokens=None if last else args.eval_tokens,
                              batch=32 if device.type == "cuda" else 8)
            tl = sum(losses) / len(losses)
            losses = []
            el = elapsed0 + time.time() - t_start
            log.write("%d\t%.0f\t%.2e\t%.4f\t%.4f\n" % (step, el, lr, tl, vb))
            log.flush()
            print("step %d  %.0fs  lr %.2e  loss %.4f  valid %.4f bpb" % (step, el, lr, tl, vb),
                  file=sys.stderr)
        if time.time() - t_ckpt > args.ckpt_minutes * 60 or last:
            save()
            t_ckpt = time.time()
    if args.bench:
        dt = time.time() - t_start
        n = (args.bench - 1) * args.batch * cfg.n_ctx
        print("bench: %.0f tokens/s (%.2f s/step), loss %.3f" % (n / dt, dt / (args.bench - 1),
                                                                 losses[-1]))


if __name__ == "__main__":
    main()
