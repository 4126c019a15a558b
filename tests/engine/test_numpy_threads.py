"""Loading the engine starts no BLAS threads: numpy's OpenBLAS would start one per core,
spinning for a while at every start of a process, for matrix products the engine never
computes (:mod:`pipelines.engine`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os
import pipelines.engine.learned  # imports numpy
print(os.environ["OPENBLAS_NUM_THREADS"])
print(len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else -1)
"""


def _probe(**extra: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env.update(extra)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True, timeout=120,
    ).stdout.split()  # fmt: skip
    return out[0], int(out[1])


def test_the_engine_loads_numpy_with_one_blas_thread() -> None:
    value, threads = _probe()
    assert value == "1"
    if threads < 0:
        pytest.skip("no /proc/self/task to count threads on this system")
    assert threads == 1, f"{threads} threads after loading the engine"


def test_a_thread_count_the_environment_sets_is_kept() -> None:
    value, _ = _probe(OPENBLAS_NUM_THREADS="3")
    assert value == "3"
