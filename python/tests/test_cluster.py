"""llmzip.cluster on a real Dask cluster: a LocalCluster of 2 worker processes
on 127.0.0.1. Round trips of a tree and of a sharded file (checked with the
command line), a corrupt input that fails alone, a worker killed mid-run,
and the command line against the cluster's scheduler."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import llmzip
from llmzip import cluster
from conftest import run_cli

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    lc = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0")
    c = distributed.Client(lc)
    c.wait_for_workers(2, timeout=60)
    yield c
    c.close()
    lc.close()


def lines(n, seed=0):
    return b"".join(b"record %d of the corpus, value %d\n" % (i, (i * 7919 + seed) % 1000) for i in range(n))


def make_tree(root):
    files = {"a.txt": lines(40), "sub/b.txt": lines(25, 1), "sub/deeper/c.bin": bytes(range(256)) * 2,
             "empty.txt": b""}
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files


def no_temporaries(root):
    return [p for p in root.rglob("*") if ".tmp-" in p.name] == []


def test_tree_round_trip(client, cli, tiny_path, tmp_path):
    files = make_tree(tmp_path / "in")
    s = cluster.run("compress", [str(tmp_path / "in")], str(tmp_path / "z"), client=client, model=tiny_path,
                    shard_bytes=600)
    assert not s.failed and s.files == 4 and s.in_bytes == sum(map(len, files.values()))
    assert s.tasks > 4  # a.txt and b.txt are split
    for rel, data in files.items():
        z = tmp_path / "z" / (rel + ".llmz")
        r = run_cli(cli, "-d", "-c", "-m", tiny_path, str(z))
        assert r.returncode == 0 and r.stdout == data, rel
    # A file of one shard is exactly what the command writes.
    r = run_cli(cli, "-c", "-m", tiny_path, str(tmp_path / "in" / "sub/deeper/c.bin"))
    assert (tmp_path / "z" / "sub/deeper/c.bin.llmz").read_bytes() == r.stdout
    s = cluster.run("decompress", [str(tmp_path / "z")], str(tmp_path / "back"), client=client, model=tiny_path)
    assert not s.failed and s.out_bytes == sum(map(len, files.values()))
    for rel, data in files.items():
        assert (tmp_path / "back" / rel).read_bytes() == data
    assert no_temporaries(tmp_path)
    # Existing outputs are kept: each such file fails (as the command without -f).
    s = cluster.run("compress", [str(tmp_path / "in")], str(tmp_path / "z"), client=client, model=tiny_path)
    assert len(s.failed) == 4 and all("already exists" in e for e in s.failed.values())


def test_sharded_file_is_one_archive_of_members(client, cli, tiny_path, tmp_path):
    data = lines(400)
    src = tmp_path / "big.txt"
    src.write_bytes(data)
    shards = cluster.shard_ranges(str(src), 2000)
    assert len(shards) > 5 and sum(n for _, n in shards) == len(data)
    assert all(data[o + n - 1:o + n] == b"\n" for o, n in shards)  # cut at newlines
    assert all(1000 <= n <= 2000 for _, n in shards[:-1])
    out = tmp_path / "big.txt.llmz"
    s = cluster.run("compress", [str(src)], str(out), client=client, model=tiny_path, shard_bytes=2000, verify=True)
    assert not s.failed and s.tasks == 2 * len(shards)
    r = run_cli(cli, "-d", "-c", "-m", tiny_path, str(out))
    assert r.returncode == 0 and r.stdout == data
    assert llmzip.decompress(out.read_bytes(), model=llmzip.Model(tiny_path)) == data
    # Decompression splits the archive at its members: one task each.
    assert len(cluster.member_ranges(str(out))) == len(shards)
    s = cluster.run("decompress", [str(out)], str(tmp_path / "back.txt"), client=client, model=tiny_path)
    assert not s.failed and s.tasks == len(shards) and s.out_bytes == len(data)
    assert (tmp_path / "back.txt").read_bytes() == data


def test_corrupt_input_fails_only_that_file(client, tiny_path, tmp_path):
    tiny = llmzip.Model(tiny_path)
    (tmp_path / "z").mkdir()
    good = {f"f{i}.txt": lines(10, i) for i in range(3)}
    for rel, data in good.items():
        (tmp_path / "z" / (rel + ".llmz")).write_bytes(llmzip.compress(data, model=tiny))
    whole = llmzip.compress(lines(10, 9), model=tiny)
    (tmp_path / "z" / "bad.txt.llmz").write_bytes(whole[:len(whole) // 2])
    s = cluster.run("decompress", [str(tmp_path / "z")], str(tmp_path / "out"), client=client, model=tiny_path)
    assert list(s.failed) == [str(tmp_path / "z" / "bad.txt.llmz")]
    assert "bad.txt.llmz" in s.failed[str(tmp_path / "z" / "bad.txt.llmz")]
    assert "truncated" in s.failed[str(tmp_path / "z" / "bad.txt.llmz")]
    assert sorted(os.listdir(tmp_path / "out")) == sorted(good)
    for rel, data in good.items():
        assert (tmp_path / "out" / rel).read_bytes() == data
    assert no_temporaries(tmp_path)


def test_a_killed_worker_loses_nothing(client, cli, tiny_path, tmp_path):
    data = lines(900)
    src = tmp_path / "corpus.txt"
    src.write_bytes(data)
    out = tmp_path / "corpus.txt.llmz"
    pids = client.run(os.getpid)
    result, killed = {}, {}

    def work():
        result["s"] = cluster.run("compress", [str(src)], str(out), client=client, model=tiny_path,
                                  shard_bytes=1500)

    t = threading.Thread(target=work)
    t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not killed:
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy and t.is_alive():
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed["worker"] = busy[0]
        time.sleep(0.05)
    t.join(timeout=300)
    assert killed, "no worker was busy to kill"
    assert not t.is_alive()
    s = result["s"]
    assert not s.failed and s.in_bytes == len(data)
    r = run_cli(cli, "-d", "-c", "-m", tiny_path, str(out))
    assert r.returncode == 0 and r.stdout == data
    assert no_temporaries(tmp_path)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it


def test_command_line_against_a_scheduler(client, cli, tiny_path, tmp_path):
    files = make_tree(tmp_path / "in")
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "llmzip.cluster", "compress", str(tmp_path / "in"), "-o", str(tmp_path / "z"),
           "--scheduler", client.scheduler.address, "-m", tiny_path, "--shard-bytes", "700", "--verify"]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    assert b"compress: 4/4 files" in r.stderr and b"bits/byte" in r.stderr
    for rel, data in files.items():
        assert run_cli(cli, "-d", "-c", "-m", tiny_path, str(tmp_path / "z" / (rel + ".llmz"))).stdout == data
    r = subprocess.run(cmd[:3] + ["decompress", str(tmp_path / "z"), "-o", str(tmp_path / "back"), "--scheduler",
                       client.scheduler.address, "-m", tiny_path, "-q"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    for rel, data in files.items():
        assert (tmp_path / "back" / rel).read_bytes() == data
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
