#!/usr/bin/python3
"""Strip a training checkpoint to what export.py needs: config, step and the
weights in float16 (no optimizer state).  A 14M-parameter model becomes ~28 MB
instead of ~170 MB, small enough to bring back from a GPU machine.

  slim.py <run>/ckpt.pt out.pt
"""
import sys

import torch


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: slim.py CKPT OUT")
    ck = torch.load(sys.argv[1], map_location="cpu")
    out = {"config": ck["config"], "step": ck["step"], "elapsed": ck.get("elapsed", 0.0),
           "model": {k: v.half() if v.is_floating_point() else v for k, v in ck["model"].items()}}
    torch.save(out, sys.argv[2])
    print("wrote %s (step %d)" % (sys.argv[2], ck["step"]))


if __name__ == "__main__":
    main()
