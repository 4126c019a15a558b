"""The blind set ``blind_2026_12c.jsonl``: an honest score, then a regression guard.

240 ads in 8 languages (30 each, 80 without any indicator), written from a brief that
named kinds of ads, by a writer who never saw the lexicons, alongside ``dev_2026_12b``
(same writer, separate pass). It was scored exactly twice and never read: with lexicon
2026.12.1 (micro-F1 0.877, hit recall 0.844, worst language 0.762, 10.0% of the ads
without indicators became hits) and with 2026.12.5 (0.895, 0.875, 0.762, 10.0%), see
docs/indicators.md. Only aggregate figures are printed. The bars below hold the level
2026.12.5 reached; they are no reason to tune on this set: write another for an estimate.
"""

from __future__ import annotations

from tests.support.levels import HeldLevel


class TestBlind2026_12c(HeldLevel):
    SET = "blind_2026_12c.jsonl"
    SHA256 = "8a89939efe55278a89ce4a1f4b35061014c20e4d7fac138da6b797f5acef45ab"
    TITLE = "blind set 2026-12c (regression guard)"
    OVERALL_F1 = 0.89
    PER_LANGUAGE_F1 = 0.75
    HIT_RECALL = 0.87
    MAX_NEGATIVE_HITS = 0.10
