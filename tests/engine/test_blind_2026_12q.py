"""The set ``blind_2026_12q.jsonl``: an honest score until 2026.12.13, a development set since.

400 ads in 8 languages (50 each, 192 without any indicator), written by two writers
(nl/en/de/ro and bg/hu/pl/es) who never saw the lexicons, from the brief of 2026-12p (every
kind of issue #10, at least 12 ordinary classified kinds per language, adult ads without
indicators or with negated ones in varied forms, every category said from plain to
oblique, 3 evasive spellings per language, a quarter of the ads long). The writers report
that their en and ro ads follow the scenarios of their nl ads, and the hu ads those of the
bg ads, each rewritten in its own language. Frozen before lexicon 2026.12.12 was written,
never read until 2026.12.13, scored with 2026.12.11 and 2026.12.12 (micro-F1 0.928, hit
recall 0.938, worst language 0.879 (en), 4.7% of the ads without indicators became hits),
see docs/indicators.md. In the 2026.12.14 round its errors were read and the learned
backstop was trained on it, so it is no estimate of generalisation any more: the bars
below hold the level that version reached.
"""

from __future__ import annotations

from tests.support.levels import HeldLevel


class TestBlind2026_12q(HeldLevel):
    SET = "blind_2026_12q.jsonl"
    SHA256 = "eca1d3e633666fa72bc9a2b648101aed357116b4b0508c075a01e44dea1a3ffe"
    TITLE = "blind set 2026-12q (regression)"
    READABLE = True
    # With 2026.12.11-2026.12.13: micro-F1 0.928, worst language 0.879 (en), hit recall
    # 0.938, 9/192. With 2026.12.14 (rules read from it, the learned backstop trained on
    # it): micro-F1 0.977, worst language 0.966 (hu), hit recall 0.990, 2/192.
    OVERALL_F1 = 0.97
    PER_LANGUAGE_F1 = 0.96
    HIT_RECALL = 0.985
    MAX_NEGATIVE_HITS = 0.015
