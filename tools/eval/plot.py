#!/usr/bin/python3
"""Plot training loss and validation bits/byte from one or more runs' log.tsv.

Usage: tools/eval/plot.py OUT.png LOG.tsv[=LABEL] [LOG.tsv[=LABEL] ...]

The first log is drawn solid, later ones dashed.  train.py evaluates on the
first 64k validation tokens during a run and on the whole split at its last
step; that last point is drawn as a larger marker.
"""
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    rows = [ln.rstrip("\n").split("\t") for ln in open(path)]
    rows = [r for r in rows if r and r[0] != "step"]
    return ([int(r[0]) for r in rows], [float(r[3]) for r in rows],
            [float(r[4]) for r in rows])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    dst = sys.argv[1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for i, arg in enumerate(sys.argv[2:]):
        path, _, label = arg.partition("=")
        label = label or path
        step, loss, vbpb = read(path)
        ls = "-" if i == 0 else "--"
        ax1.plot(step, loss, ls, label=label)
        line, = ax2.plot(step[:-1], vbpb[:-1], ls, marker=".", label=label + " (64k-token sample)")
        ax2.plot(step[-1:], vbpb[-1:], "o", markersize=9, color=line.get_color(),
                 label=label + " (whole split, end)")
    ax1.set_xlabel("step")
    ax1.set_ylabel("train loss (nats/token)")
    ax1.set_title("training loss")
    ax2.set_xlabel("step")
    ax2.set_ylabel("validation bits/byte")
    ax2.set_title("validation")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(dst)


if __name__ == "__main__":
    main()
