#!/usr/bin/python3
"""Plot training loss and validation bits/byte from a run's log.tsv.

Usage: tools/eval/plot.py tools/work/run1/log.tsv docs/model-curve.png
"""
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = [ln.rstrip("\n").split("\t") for ln in open(src)]
    rows = [r for r in rows if r and r[0] != "step"]
    step = [int(r[0]) for r in rows]
    loss = [float(r[3]) for r in rows]
    vbpb = [float(r[4]) for r in rows]
    fig, ax1 = plt.subplots(figsize=(7, 4), dpi=100)
    ax1.plot(step, loss, color="tab:blue", label="train loss (nats/token)")
    ax1.set_xlabel("step")
    ax1.set_ylabel("train loss (nats/token)", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot(step, vbpb, color="tab:red", marker=".", label="validation bits/byte")
    ax2.set_ylabel("validation bits/byte (64k-token sample)", color="tab:red")
    ax1.set_title("llmzip default model training")
    ax1.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(dst)


if __name__ == "__main__":
    main()
