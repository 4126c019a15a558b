"""The blind evaluation set ``blind_2026_12.jsonl``: now a regression set.

448 ads in 8 languages (56 each, 208 without any indicator), written from a brief that
named kinds of ads, by a writer who never saw the lexicons. It was frozen (sha256 below)
before lexicon 2026.12.1 changed a rule and scored exactly twice as an honest estimate:
with lexicon 2026.11.2 and with 2026.12.1 (docs/indicators.md). For 2026.12.4 its
errors were read and the kinds of phrasing behind them written into the lexicons, so it
is no estimate any more: the bars below hold the level 2026.12.4 reached on it.
"""

from __future__ import annotations

from tests.support.levels import HeldLevel


class TestBlind2026_12(HeldLevel):
    SET = "blind_2026_12.jsonl"
    SHA256 = "e70cdc0b5e92acca0822d6f019160bf6ef4632243986f2b0b3b48d366779990d"
    TITLE = "blind set (regression)"
    READABLE = True
    # Measured with lexicon 2026.12.9: micro-F1 0.990, worst language 0.965, ad-level hit
    # recall 0.996, 1/208 ads without indicators became a hit (2026.12.4: 0.986, 0.965,
    # 0.996, 1/208; 2026.12.1: 0.909, 0.881, 0.912, 18/208).
    OVERALL_F1 = 0.985
    PER_LANGUAGE_F1 = 0.96
    HIT_RECALL = 0.99
    MAX_NEGATIVE_HITS = 0.01
