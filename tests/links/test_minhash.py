"""pipelines/engine/minhash.py computes datasketch's MinHash signatures and LSH bands."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys

import pytest

from pipelines.engine import minhash
from pipelines.engine.linking import Signer

datasketch = pytest.importorskip("datasketch")


@pytest.mark.parametrize("num_perm", [16, 64, 128])
def test_signatures_equal_datasketch(num_perm: int) -> None:
    rng = random.Random(num_perm)
    for _ in range(200):
        values = [rng.getrandbits(32) for _ in range(rng.randint(1, 120))]
        if rng.random() < 0.2:
            values += [0, 0xFFFFFFFF, 1]
        reference = datasketch.MinHash(num_perm=num_perm, seed=1, hashfunc=int)
        reference.update_batch(values)
        mine = minhash.minhash(values, num_perm)
        assert mine.dtype == reference.hashvalues.dtype
        assert mine.tolist() == reference.hashvalues.tolist()


def test_empty_set_is_all_maximum() -> None:
    reference = datasketch.MinHash(num_perm=64, seed=1, hashfunc=int)
    assert minhash.minhash([], 64).tolist() == reference.hashvalues.tolist()


@pytest.mark.parametrize("threshold", [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0])
@pytest.mark.parametrize("num_perm", [16, 32, 64, 128])
def test_band_params_equal_minhashlsh(threshold: float, num_perm: int) -> None:
    try:
        lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm)
    except ValueError:  # datasketch refuses a single band; lcom uses it
        assert minhash.band_params(threshold, num_perm)[0] == 1
        return
    assert minhash.band_params(threshold, num_perm) == (lsh.b, lsh.r)


def test_band_keys_of_the_default_config_are_unchanged() -> None:
    """The band keys stored by link stores written with datasketch stay the same."""
    signer = Signer(0.6, 64)
    assert (signer.bands, signer.rows) == (10, 6)
    sketch = [7, 99, 123456789, 4000000000]
    reference = datasketch.MinHash(num_perm=64, seed=1, hashfunc=int)
    reference.update_batch(sketch)
    values = reference.hashvalues
    assert signer.signature(sketch)[3] == (
        "b3-" + hashlib.blake2b(values[18:24].tobytes(), digest_size=8).hexdigest()
    )


def test_linking_does_not_import_datasketch_or_scipy() -> None:
    code = (
        "import sys, pipelines.linking, pipelines.engine.linking as L;"
        "L.Signer(0.6, 64).signature([1, 2, 3]);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
