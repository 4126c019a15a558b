"""MinHash band keys for template linking (docs/linking.md), bit for bit the sketches of
``datasketch.MinHash`` (scheme ``affine32``, seed 1) and the bands of ``datasketch.MinHashLSH``.

Only these few lines of datasketch are used, and importing datasketch loads every sketch
type it has and scipy: about 50 MB of memory and 1 to 4 s of start-up in every crawler and
worker process. ``tests/links/test_minhash.py`` proves that the signatures and the band
parameters equal datasketch's, so link stores written before stay valid.

A signature: each 32-bit shingle hash is mixed once with the MurmurHash3 finalizer, then
each of ``num_perm`` affine maps ``h -> a*h + b mod 2**32`` (``a`` odd, from NumPy's
``RandomState(1)``) is applied, and the minimum per map is kept. Bands: the ``(b, r)`` with
``b * r <= num_perm`` that minimises the summed probabilities of a false positive below
the similarity threshold and of a false negative above it (equal weights), as
``MinHashLSH(threshold)`` chooses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

SEED = 1
_U32 = np.uint32
_MAX32 = _U32(0xFFFFFFFF)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer (a bijection on 32-bit values)."""
    values = values ^ (values >> _U32(16))
    values = values * _U32(0x85EBCA6B)
    values = values ^ (values >> _U32(13))
    values = values * _U32(0xC2B2AE35)
    mixed: np.ndarray = values ^ (values >> _U32(16))
    return mixed


@cache
def permutations(num_perm: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` arrays of the affine maps, as datasketch draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=_U32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def minhash(values: Sequence[int], num_perm: int) -> np.ndarray:
    """The MinHash signature (``num_perm`` 32-bit values) of a set of 32-bit hashes."""
    a, b = permutations(num_perm)
    if not values:
        return np.full(num_perm, _MAX32, dtype=_U32)
    with np.errstate(over="ignore"):
        mixed = _fmix32(np.array(values, dtype=_U32).reshape(-1, 1))
        signature: np.ndarray = (mixed * a + b).min(axis=0)
    return signature


def _integral(f: object, lo: float, hi: float, steps: int = 2048) -> float:
    """Composite Simpson's rule (the integrands are smooth polynomials in s)."""
    if hi <= lo:
        return 0.0
    h = (hi - lo) / steps
    xs = np.linspace(lo, hi, steps + 1)
    ys = f(xs)  # type: ignore[operator]
    return float(h / 3 * (ys[0] + ys[-1] + 4 * ys[1:-1:2].sum() + 2 * ys[2:-1:2].sum()))


@cache
def band_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` for a Jaccard threshold, as ``MinHashLSH(threshold, num_perm)``."""
    best, chosen = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_pos = _integral(lambda s, r=rows, b=bands: 1 - (1 - s**r) ** b, 0.0, threshold)
            false_neg = _integral(lambda s, r=rows, b=bands: (1 - s**r) ** b, threshold, 1.0)
            if false_pos + false_neg < best:
                best, chosen = false_pos + false_neg, (bands, rows)
    return chosen
