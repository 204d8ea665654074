"""Fixtures of the Python tests (run by ctest: python/CMakeLists.txt sets
LLMZIP_LIBRARY, LLMZIP_CLI, LLMZIP_WRITE_TEST_MODEL and PYTHONPATH)."""
import os
import subprocess

import pytest

import llmzip

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("LLMZIP_CLI")
    if not path:
        pytest.skip("LLMZIP_CLI is not set (run through ctest)")
    return path


def run_cli(cli, *args, stdin=None):
    env = dict(os.environ)
    env.pop("LLMZIP_MODEL", None)
    return subprocess.run([cli, *args], input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          check=False)


@pytest.fixture(scope="session")
def text():
    with open(os.path.join(ROOT, "samples", "sample.txt"), "rb") as f:
        return f.read()[:600]


@pytest.fixture(scope="session")
def tiny_path(tmp_path_factory):
    """The tiny fast model of api/test_model.h (vocabulary without 0x0B)."""
    writer = os.environ.get("LLMZIP_WRITE_TEST_MODEL")
    if not writer:
        pytest.skip("LLMZIP_WRITE_TEST_MODEL is not set (run through ctest)")
    path = tmp_path_factory.mktemp("model") / "tiny.gguf"
    subprocess.run([writer, str(path)], check=True)
    return str(path)


@pytest.fixture(scope="session")
def tiny(tiny_path):
    return llmzip.Model(tiny_path)
