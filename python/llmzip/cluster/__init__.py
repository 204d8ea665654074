"""llmzip.cluster: compress and decompress corpora across a Dask cluster.

    python3 -m llmzip.cluster compress [--scheduler tcp://HOST:8786] DIR|FILE... -o OUT
    python3 -m llmzip.cluster decompress [--scheduler ...] DIR|FILE.llmz... -o OUT

The work splits without a new format: every input file is cut into shards at
newline boundaries near --shard-bytes, each shard is compressed by one task
into a complete .llmz file, and a file's output is its shards' .llmz files
concatenated in order, which `llmzip -d` (and llmzip.decompress) decodes to
the original bytes (docs/format.md section 9). A file no larger than one
shard gives exactly the bytes of `llmzip -c FILE`. Decompression splits each
archive at its members (found from the structure, without the model), so a
big archive decodes in parallel too.

Where things live (docs/cluster.md): workers read inputs by path, so inputs
must be visible at the same path on every worker (one machine, or a shared
filesystem); the compressed bytes come back to the client, which alone writes
outputs, to temporary names renamed when complete. The model is a path every
worker can open (default: the built-in model in every libllmzip), loaded once
per worker thread and memory-mapped, so the weights are shared by the page
cache. Faults: Dask retries the tasks of a worker that dies; a task that
fails (a corrupt .llmz) fails its file only. --verify decodes every shard on
the cluster and compares it with its input before the output is renamed.
"""
import hashlib
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import llmzip

DEFAULT_SHARD_BYTES = 1 << 20
SUFFIX = ".llmz"

# ---------------------------------------------------------------- on workers

_local = threading.local()


def _worker_model(path: Optional[str]) -> "llmzip.Model":
    """The model of this worker thread, loaded on its first task (one handle per
    thread: evaluation inside a handle takes turns; the mapping is shared)."""
    cache = getattr(_local, "models", None)
    if cache is None:
        cache = _local.models = {}
    m = cache.get(path)
    if m is None:
        m = cache[path] = llmzip.Model(path)
    return m


def _read_range(path: str, offset: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    if len(data) != length:
        raise OSError(f"{path}: changed while compressing (expected {length} bytes at {offset}, got {len(data)})")
    return data


def compress_shard(path: str, offset: int, length: int, model_path: Optional[str], settings: dict) -> bytes:
    """One shard of one input file, as a complete .llmz file."""
    data = _read_range(path, offset, length)
    return llmzip.compress(data, model=_worker_model(model_path), **settings)


def verify_shard(packed: bytes, path: str, offset: int, length: int, model_path: Optional[str],
                 threads: int) -> int:
    """Decodes a shard's .llmz and compares it with its input; returns its size."""
    data = llmzip.decompress(packed, model=_worker_model(model_path), threads=threads)
    want = _read_range(path, offset, length)
    if hashlib.sha256(data).digest() != hashlib.sha256(want).digest():
        raise llmzip.LLMZipError(14, f"{path}: shard at byte {offset} does not decode to its input")
    return len(data)


def _named(e: "llmzip.LLMZipError", path: str, offset: int = 0) -> "llmzip.LLMZipError":
    # The library names a buffer "<memory>"; name the file (and member) instead.
    where = path if offset == 0 else f"{path} (member at byte {offset})"
    return llmzip.LLMZipError(e.code, str(e.args[0]).replace("<memory>", where))


def decompress_member(path: str, offset: int, length: int, model_path: Optional[str], threads: int) -> bytes:
    """One member (a whole .llmz file) of a concatenation, decoded."""
    packed = _read_range(path, offset, length)
    try:
        return llmzip.decompress(packed, model=_worker_model(model_path), threads=threads)
    except llmzip.LLMZipError as e:
        raise _named(e, path, offset) from None


def member_ranges(path: str) -> List[Tuple[int, int]]:
    """(offset, length) of the .llmz files concatenated in `path`, found by
    walking their structure (no model; every frame checksum verified)."""
    import mmap
    size = os.path.getsize(path)
    if size == 0:
        raise llmzip.LLMZipError(4, f"{path}: empty file, not an .llmz")
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) as mm:
        try:
            starts = llmzip.members(mm)
        except llmzip.LLMZipError as e:
            raise _named(e, path) from None
    ends = starts[1:] + [size]
    return [(a, b - a) for a, b in zip(starts, ends)]


# ---------------------------------------------------------------- planning

def shard_ranges(path: str, target: int) -> List[Tuple[int, int]]:
    """(offset, length) of the shards of a file: each ends after the last
    newline in its second half of `target` bytes, else at `target` bytes; an
    empty file is one empty shard (its output is a valid empty .llmz)."""
    if target < 2:
        raise ValueError("shard size must be at least 2 bytes")
    size = os.path.getsize(path)
    out, pos = [], 0
    with open(path, "rb") as f:
        while size - pos > target:
            half = target // 2
            f.seek(pos + half)
            window = f.read(target - half)
            nl = window.rfind(b"\n")
            cut = pos + half + nl + 1 if nl >= 0 else pos + target
            out.append((pos, cut - pos))
            pos = cut
    out.append((pos, size - pos))
    return out


@dataclass
class Job:
    src: str                  # input path
    dst: str                  # output path
    shards: List[Tuple[int, int]] = field(default_factory=list)  # (offset, length): one task each
    size: int = 0             # input bytes
    error: Optional[str] = None  # planning failed (a damaged .llmz): the file fails, no task


def _walk(inputs: Sequence[str], want_suffix: bool) -> List[Tuple[str, str]]:
    """(path, relative name) of every regular file under the inputs."""
    files = []
    for inp in inputs:
        if os.path.isdir(inp):
            for root, dirs, names in os.walk(inp):
                dirs.sort()
                for n in sorted(names):
                    p = os.path.join(root, n)
                    if not os.path.isfile(p) or (want_suffix and not n.endswith(SUFFIX)):
                        continue
                    if n.startswith(".") and ".tmp-" in n:
                        continue  # our own temporaries
                    files.append((p, os.path.relpath(p, inp)))
        elif os.path.isfile(inp):
            files.append((inp, os.path.basename(inp)))
        else:
            raise FileNotFoundError(f"{inp}: no such file or directory")
    return files


def plan(mode: str, inputs: Sequence[str], output: Optional[str], shard_bytes: int) -> List[Job]:
    """Jobs for `inputs`. `output` is a directory (the inputs' tree is kept
    under it), or for one input file the output file itself; None puts each
    output beside its input, as the command does."""
    files = _walk(inputs, want_suffix=(mode == "decompress"))
    single_file = len(inputs) == 1 and os.path.isfile(inputs[0])
    jobs = []
    for path, rel in files:
        if mode == "compress":
            name = rel + SUFFIX
        else:
            name = rel[:-len(SUFFIX)] if rel.endswith(SUFFIX) else rel + ".out"
        if output is None:
            dst = os.path.join(os.path.dirname(path), os.path.basename(name))
        elif single_file and not os.path.isdir(output):
            dst = output
        else:
            dst = os.path.join(output, name)
        job = Job(path, dst, size=os.path.getsize(path))
        if mode == "compress":
            job.shards = shard_ranges(path, shard_bytes)
        else:
            try:
                job.shards = member_ranges(path)  # members decode in parallel
            except llmzip.LLMZipError as e:
                job.error = str(e)
        jobs.append(job)
    return jobs


# ---------------------------------------------------------------- the client

@dataclass
class Summary:
    files: int = 0
    failed: Dict[str, str] = field(default_factory=dict)  # input -> error
    in_bytes: int = 0
    out_bytes: int = 0
    tasks: int = 0
    seconds: float = 0.0
    workers: int = 0

    @property
    def ratio(self) -> float:
        return self.out_bytes / self.in_bytes if self.in_bytes else 0.0

    def text(self, mode: str) -> str:
        raw = self.in_bytes if mode == "compress" else self.out_bytes
        rate = raw / self.seconds / 1024 if self.seconds else 0.0
        s = (f"{mode}: {self.files - len(self.failed)}/{self.files} files, {self.tasks} tasks on {self.workers} "
             f"workers: {self.in_bytes} => {self.out_bytes} bytes")
        if mode == "compress" and self.in_bytes:
            s += f" ({100 * self.ratio:.2f}%, {8 * self.ratio:.3f} bits/byte)"
        s += f" in {self.seconds:.1f} s, {rate:.1f} KiB/s of original data"
        for f, e in self.failed.items():
            s += f"\n  failed: {f}: {e}"
        return s


def _temp_name(dst: str) -> str:
    d, b = os.path.split(dst)
    return os.path.join(d, f".{b}.tmp-{os.getpid()}-{threading.get_ident()}")


class _Output:
    """One output file: pieces arrive in any order and are written in order to
    a temporary name, renamed when the last one is in."""

    def __init__(self, dst: str, n: int, force: bool):
        if os.path.exists(dst) and not force:
            raise FileExistsError(f"{dst}: already exists (use --force)")
        parent = os.path.dirname(dst)
        if parent:
            os.makedirs(parent, exist_ok=True)
        self.dst, self.tmp = dst, _temp_name(dst)
        self.f = open(self.tmp, "wb")
        self.n, self.next, self.waiting, self.bytes = n, 0, {}, 0
        self.failed = False

    def add(self, i: int, data: bytes) -> bool:
        """Stores piece i; true when the file is complete (and renamed)."""
        self.waiting[i] = data
        while self.next in self.waiting:
            piece = self.waiting.pop(self.next)
            self.f.write(piece)
            self.bytes += len(piece)
            self.next += 1
        if self.next < self.n:
            return False
        self.f.close()
        os.replace(self.tmp, self.dst)
        return True

    def abandon(self):
        if not self.failed:
            self.failed = True
            self.f.close()
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass


def _connect(scheduler: Optional[str], workers: int):
    from distributed import Client, LocalCluster
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0")
    return Client(cluster), cluster


def run(mode: str, inputs: Sequence[str], output: Optional[str] = None, *, client=None,
        scheduler: Optional[str] = None, workers: int = 2, model: Optional[str] = None,
        shard_bytes: int = DEFAULT_SHARD_BYTES, verify: bool = False, force: bool = False, progress: bool = False,
        threads: int = 1, retries: int = 0, **settings) -> Summary:
    """Compresses (mode "compress") or decompresses ("decompress") `inputs`
    (directories, files) on `client`, else a Client of `scheduler`, else a
    LocalCluster of `workers` processes on 127.0.0.1. `threads` is the
    library's threads per task; with one Dask thread per worker, use as many
    as the worker has cores. `retries` re-runs a task that raised (a
    worker that dies is handled by Dask itself: its tasks move to the
    others). Returns the Summary; failed files are listed in
    it (their outputs are not created), the others are complete."""
    if mode not in ("compress", "decompress"):
        raise ValueError("mode must be compress or decompress")
    model_path = None if model is None else os.path.abspath(model)
    jobs = plan(mode, inputs, output, shard_bytes)
    own_client = client is None
    cluster = None
    if own_client:
        client, cluster = _connect(scheduler, workers)
    summary = Summary(files=len(jobs))
    outputs: Dict[int, _Output] = {}
    start = time.monotonic()
    try:
        summary.workers = len(client.scheduler_info()["workers"])
        settings = dict(settings, threads=threads)
        futures, owner = [], {}  # future key -> (job index, piece index, kind)
        for j, job in enumerate(jobs):
            if job.error:
                summary.failed[job.src] = job.error
                continue
            try:
                outputs[j] = _Output(job.dst, len(job.shards), force)
            except OSError as e:
                summary.failed[job.src] = str(e)
                continue
            for i, (off, length) in enumerate(job.shards):
                if mode == "compress":
                    key = f"llmzip-c-{j}-{i}-{time.time_ns()}"
                    fc = client.submit(compress_shard, job.src, off, length, model_path, settings, key=key,
                                       retries=retries, pure=False)
                    futures.append(fc)
                    owner[fc.key] = (j, i, "data")
                    if verify:
                        fv = client.submit(verify_shard, fc, job.src, off, length, model_path, threads,
                                           key=key + "-verify", retries=retries, pure=False)
                        futures.append(fv)
                        owner[fv.key] = (j, i, "verify")
                else:
                    fd = client.submit(decompress_member, job.src, off, length, model_path, threads,
                                       key=f"llmzip-d-{j}-{i}-{time.time_ns()}", retries=retries, pure=False)
                    futures.append(fd)
                    owner[fd.key] = (j, i, "data")
        summary.tasks = len(futures)
        _collect(client, futures, owner, jobs, outputs, summary, verify and mode == "compress", progress)
    finally:
        for out in outputs.values():
            if out.next < out.n:
                out.abandon()
        if own_client:
            client.close()
            if cluster is not None:
                cluster.close()
    summary.seconds = time.monotonic() - start
    return summary


def _collect(client, futures, owner, jobs, outputs, summary, verify, progress):
    from distributed import as_completed
    # A shard's bytes are written only once it is verified (with --verify).
    pending: Dict[Tuple[int, int], bytes] = {}
    verified = set()
    if progress:
        from distributed import progress as dask_progress
        t = threading.Thread(target=dask_progress, args=(futures,), kwargs={"notebook": False}, daemon=True)
        t.start()
    for fut in as_completed(futures):
        j, i, kind = owner[fut.key]
        job, out = jobs[j], outputs[j]
        if out.failed:
            fut.release()
            continue
        try:
            value = fut.result()
        except Exception as e:  # the task's error: this file fails, the others go on
            summary.failed[job.src] = f"{type(e).__name__}: {e}" if not isinstance(e, llmzip.LLMZipError) else str(e)
            out.abandon()
            fut.release()
            continue
        fut.release()
        if kind == "verify":
            verified.add((j, i))
            if (j, i) not in pending:
                continue
            value = pending.pop((j, i))
        elif verify and (j, i) not in verified:
            pending[(j, i)] = value
            continue
        if out.add(i, value):
            summary.in_bytes += job.size
            summary.out_bytes += out.bytes
    if progress:
        t.join(timeout=5)
        print(file=sys.stderr)


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python3 -m llmzip.cluster",
                                 description="Compress or decompress a corpus with llmzip across a Dask cluster.")
    ap.add_argument("mode", choices=["compress", "decompress"])
    ap.add_argument("inputs", nargs="+", help="directories (walked recursively) and files")
    ap.add_argument("-o", "--output", help="output directory (the input tree is kept), or the output file for "
                    "one input file; default: beside each input")
    ap.add_argument("--scheduler", help="tcp://HOST:8786 of a running dask-scheduler; default: a local "
                    "cluster of --workers processes")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local cluster size (default: cores)")
    ap.add_argument("-t", "--threads", type=int, default=1, help="llmzip threads per task (default 1: one per "
                    "Dask worker thread)")
    ap.add_argument("-m", "--model", help="GGUF model path, the same on every worker (default: built-in)")
    ap.add_argument("--shard-bytes", type=int, default=DEFAULT_SHARD_BYTES,
                    help=f"target shard size (default {DEFAULT_SHARD_BYTES})")
    ap.add_argument("--frame-bytes", type=int, default=0)
    ap.add_argument("--context", type=int, default=0)
    ap.add_argument("--method", default="ac", choices=["ac", "rank-zlib", "tbyt"])
    ap.add_argument("--verify", action="store_true", help="decode every output on the cluster before renaming it")
    ap.add_argument("-f", "--force", action="store_true", help="overwrite existing outputs")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    a = ap.parse_args(argv)
    settings = {}
    if a.mode == "compress":
        settings = dict(frame_bytes=a.frame_bytes, context=a.context, method=a.method)
    try:
        s = run(a.mode, a.inputs, a.output, scheduler=a.scheduler, workers=a.workers, model=a.model,
                shard_bytes=a.shard_bytes, verify=a.verify, force=a.force, progress=not a.quiet,
                threads=a.threads, **settings)
    except (OSError, ValueError, llmzip.LLMZipError) as e:
        print(f"llmzip.cluster: {e}", file=sys.stderr)
        return 1
    print(s.text(a.mode), file=sys.stderr)
    return 1 if s.failed else 0
