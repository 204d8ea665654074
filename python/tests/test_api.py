"""The module's functions: round trips compare bytes, output equals the
command line's byte for byte (both ways), errors carry the stable codes."""
import os
import threading
import time

import pytest

import llmzip
from conftest import ROOT, run_cli


def test_versions():
    assert llmzip.version == llmzip.__version__
    assert llmzip.version.count(".") == 2
    header = open(os.path.join(ROOT, "include", "llmzip", "llmzip.h")).read()
    assert f"#define LLMZIP_FORMAT_VERSION {llmzip.FORMAT_VERSION}\n" in header


def test_round_trip_and_cli_bytes(cli, text, tmp_path):
    z = llmzip.compress(text)
    assert len(z) < len(text) / 2
    assert llmzip.decompress(z) == text
    src = tmp_path / "t.txt"
    src.write_bytes(text)
    r = run_cli(cli, "-c", str(src))
    assert r.returncode == 0, r.stderr
    assert r.stdout == z, "llmzip.compress must write the bytes of `llmzip -c FILE`"
    (tmp_path / "py.llmz").write_bytes(z)
    r = run_cli(cli, "-d", "-c", str(tmp_path / "py.llmz"))
    assert r.returncode == 0 and r.stdout == text
    zt = llmzip.compress(text, frame_bytes=200, method="tbyt")
    r = run_cli(cli, "-c", "--frame-bytes", "200", "--method", "tbyt", str(src))
    assert r.stdout == zt
    assert llmzip.decompress(zt) == text
    assert llmzip.decompressed_size(z + zt) == 2 * len(text)
    assert llmzip.members(z + zt) == [0, len(z)] and llmzip.members(bytearray(z)) == [0]
    assert llmzip.decompress(z + zt) == text + text


def test_awkward_inputs(tiny):
    for data in (b"", b"\x00\xff\x0b\n\xc3", bytes(range(256)) * 4, "unicode: é ü 日本\n"):
        want = data.encode() if isinstance(data, str) else data
        assert llmzip.decompress(llmzip.compress(data, model=tiny), model=tiny) == want
    assert llmzip.compress(bytearray(b"abc\n"), model=tiny) == llmzip.compress(memoryview(b"abc\n"), model=tiny)
    with pytest.raises(TypeError):
        llmzip.compress(12, model=tiny)


def test_model(cli, tiny, tmp_path):
    m = llmzip.default_model()
    assert m is llmzip.default_model()
    assert m.name == "llmzip-default" and m.path == "<built-in model>" and m.vocab_size == 8192
    assert len(m.sha256) == 64
    (tmp_path / "a").write_bytes(b"hi\n")
    z = run_cli(cli, "-c", str(tmp_path / "a")).stdout
    (tmp_path / "a.llmz").write_bytes(z)
    assert m.sha256 in run_cli(cli, "info", str(tmp_path / "a.llmz")).stdout.decode()
    assert tiny.name == "tiny-test" and tiny.vocab_size == 255
    own = llmzip.Model(tiny.path, threads=2)
    assert own.threads == 2 and own.sha256 == tiny.sha256
    with pytest.raises(llmzip.LLMZipError) as e:
        own.threads = 0
    assert e.value.code == 8 and e.value.name == "invalid_argument"


def test_errors_carry_codes(tiny, tmp_path):
    z = llmzip.compress(b"some text for the tiny model\n", model=tiny)
    with pytest.raises(llmzip.LLMZipError) as e:
        llmzip.decompress(z[:-3], model=tiny)
    assert e.value.code == 4 and e.value.name == "truncated"
    with pytest.raises(llmzip.LLMZipError) as e:
        llmzip.decompress(b"plain text, not .llmz", model=tiny)
    assert e.value.code == 2
    with pytest.raises(llmzip.LLMZipError) as e:
        llmzip.decompress(z)  # the built-in model did not make it
    assert e.value.code == 10 and "tiny-test" in str(e.value)
    bad = bytearray(z)
    bad[len(bad) // 2] ^= 1
    with pytest.raises(llmzip.LLMZipError) as e:
        llmzip.decompress(bytes(bad), model=tiny)
    assert 1 <= e.value.code <= 14
    with pytest.raises(llmzip.LLMZipError) as e:
        llmzip.Model(str(tmp_path / "missing.gguf"))
    assert e.value.code == 1 and "missing.gguf" in str(e.value)
    with pytest.raises(ValueError):
        llmzip.compress(b"x", model=tiny, method="zip")
    with pytest.raises(llmzip.LLMZipError) as e:
        llmzip.compress(b"x", model=tiny, context=4)
    assert e.value.code == 8


def test_score_tokenize_distance(text):
    s = llmzip.score(text, per_token=True)
    assert s.n_bytes == len(text) and s.n_tokens == len(s.tokens) > 10
    assert abs(sum(t.bits for t in s.tokens) - s.total_bits) < 1e-6 * s.total_bits
    assert sum(t.n_bytes for t in s.tokens) == len(text)
    assert 0 < s.bits_per_byte < 8
    assert llmzip.score(text).total_bits == pytest.approx(s.total_bits)
    ids = llmzip.tokenize(text)
    m = llmzip.default_model()
    assert b"".join(m.token_bytes(i) for i in ids) == text
    assert llmzip.tokenize("hello world") == llmzip.tokenize(b"hello world")
    x = text[:200]
    same = llmzip.distance(x, x)
    other = llmzip.distance(x, b"Completely different: 3.14159 26535 89793 23846.\n")
    assert same.c_x == pytest.approx(same.c_y) and same.c_x_given_y < same.c_x / 2
    assert same.nid < other.nid


def test_gil_is_released_during_model_work(tiny):
    # Varied text (a repeated line would go to a classic codec, without model time).
    data = b"".join(b"line %d of the GIL test says %d\n" % (i, (i * 7919) % 1000) for i in range(150))
    done = threading.Event()

    def work():
        llmzip.compress(data, model=tiny)
        done.set()

    t = threading.Thread(target=work)
    start = time.monotonic()
    t.start()
    spins = 0
    while not done.is_set():
        spins += 1
    t.join()
    elapsed = time.monotonic() - start
    # A held GIL would leave this thread a switch interval (5 ms) at best per
    # call; the loop instead runs freely for the whole compression.
    assert elapsed > 0.05, "the compression was too quick to tell"
    assert spins > 20000 * elapsed, f"{spins} spins in {elapsed:.2f}s"
