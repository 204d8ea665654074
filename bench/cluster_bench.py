#!/usr/bin/python3
"""Throughput of llmzip.cluster with 1 and 2 workers against the command line
on the same input, and the cost of one task. Writes bench/cluster_bench.csv.

    LLMZIP_LIBRARY=build/api/libllmzip.so.0 PYTHONPATH=python \\
        /usr/bin/python3 bench/cluster_bench.py [--input FILE] [--shard-bytes N] [--out CSV]

Every run uses one llmzip thread per task and one Dask thread per worker
process (LocalCluster on 127.0.0.1), the built-in model, and is a real round
trip (the cluster's archive is decoded by the command and compared). Cluster
times exclude starting the cluster (once per host in real use) and include
everything else: planning, shipping results, writing outputs. The per-task
cost is measured with empty files, whose compression is a header and a
footer: what is left is Dask scheduling, the result's trip and the write.
`concurrency` is the tasks' compute time over the run's wall time: how many
tasks ran at once on average, which a machine shared with other work does not
change (its cores make each task slower instead).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import llmzip  # noqa: E402
from llmzip import cluster  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default="/usr/share/common-licenses/GPL-3")
    ap.add_argument("--shard-bytes", type=int, default=8192)
    ap.add_argument("--cli", default=os.path.join(HERE, "..", "build", "cli", "llmzip"))
    ap.add_argument("--out", default=os.path.join(HERE, "cluster_bench.csv"))
    ap.add_argument("--tasks", type=int, default=200, help="empty files for the per-task cost")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    from distributed import Client, LocalCluster, get_task_stream

    data = open(a.input, "rb").read()
    rows = []
    tmp = tempfile.mkdtemp(prefix="llmzip-cluster-bench-")
    clusters = {}
    for n in (1, 2):
        lc = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0")
        c = Client(lc)
        c.wait_for_workers(n)
        c.run(lambda: llmzip.default_model().name)  # library loaded, model mapped: not part of a run
        clusters[n] = (lc, c)

    def row(run, workers, tasks, in_bytes, out_bytes, seconds, rep, **extra):
        r = dict(run=run, rep=rep, workers=workers, tasks=tasks, in_bytes=in_bytes, out_bytes=out_bytes,
                 seconds=round(seconds, 2), kib_s=round(in_bytes / seconds / 1024, 2) if in_bytes else 0,
                 load_avg_1min=round(os.getloadavg()[0], 1), **extra)
        rows.append(r)
        print(r, flush=True)

    # The machine may be shared: the three runs alternate, --reps times, and
    # the README quotes medians with the load average of each run.
    for rep in range(a.reps):
        t = time.monotonic()
        cli = subprocess.run([a.cli, "-c", "--threads", "1", a.input], stdout=subprocess.PIPE, check=True).stdout
        row("cli --threads 1", 0, 1, len(data), len(cli), time.monotonic() - t, rep)
        for n, (_, c) in clusters.items():
            out = os.path.join(tmp, f"w{n}-{rep}.llmz")
            with get_task_stream(c) as ts:
                s = cluster.run("compress", [a.input], out, client=c, shard_bytes=a.shard_bytes)
            # Compute time of all tasks / wall time: how many ran at once on
            # average (on a loaded machine each task is slower, not fewer at once).
            busy = sum(ss["stop"] - ss["start"] for t in ts.data for ss in t["startstops"]
                       if ss["action"] == "compute")
            assert not s.failed, s.failed
            back = subprocess.run([a.cli, "-d", "-c", out], stdout=subprocess.PIPE, check=True).stdout
            assert back == data, "round trip failed"
            row(f"cluster {n} worker{'s' if n > 1 else ''}", n, s.tasks, s.in_bytes, s.out_bytes, s.seconds, rep,
                concurrency=round(busy / s.seconds, 2))

    _, c = clusters[1]
    # The whole input as one shard: exactly the command's bytes.
    out = os.path.join(tmp, "one.llmz")
    s = cluster.run("compress", [a.input], out, client=c, shard_bytes=len(data) + 1)
    assert open(out, "rb").read() == cli, "one shard must equal llmzip -c FILE"
    row("cluster 1 worker, one shard", 1, s.tasks, s.in_bytes, s.out_bytes, s.seconds, 0)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    for i in range(a.tasks):
        open(os.path.join(empty, f"{i:04d}"), "wb").close()
    s = cluster.run("compress", [empty], os.path.join(tmp, "empty-out"), client=c)
    assert not s.failed
    row("per-task cost (empty files, 1 worker)", 1, s.tasks, 0, s.out_bytes, s.seconds, 0,
        ms_per_task=round(1000 * s.seconds / s.tasks, 1))
    for lc, c in clusters.values():
        c.close()
        lc.close()

    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["run", "rep", "workers", "tasks", "in_bytes", "out_bytes", "seconds",
                                          "kib_s", "concurrency", "ms_per_task", "shard_bytes", "input", "load_avg_1min", "cores"])
        w.writeheader()
        for r in rows:
            r.update(shard_bytes=a.shard_bytes, input=os.path.basename(a.input), cores=os.cpu_count())
            w.writerow(r)
    subprocess.run(["rm", "-rf", tmp])
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
