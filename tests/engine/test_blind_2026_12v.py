"""The blind set ``blind_2026_12v.jsonl``: an honest score, then a regression guard.

400 ads in 8 languages (50 each, 192 without any indicator), written by two writers
(nl/en/de/ro and bg/hu/pl/es) who never saw the lexicons, from the brief beside it
(``blind_2026_12v.brief.md``), each language from scratch. Frozen (sha256 below) and
scored once with lexicon 2026.12.16 (micro-F1 0.962, hit recall 0.962, worst language
0.907 (es), 6/192 ads without indicators became hits), see docs/indicators.md. Never
read; only aggregate figures are printed. The bars below hold the level reached.
"""

from __future__ import annotations

from tests.support.levels import HeldLevel


class TestBlind2026_12v(HeldLevel):
    SET = "blind_2026_12v.jsonl"
    SHA256 = "ec4da3e9ea25de75a72573214ca76e40cfe8faafae615ae5c8a7ed8d0104238a"
    TITLE = "blind set 2026-12v (regression guard)"
    OVERALL_F1 = 0.955
    PER_LANGUAGE_F1 = 0.90
    HIT_RECALL = 0.955
    MAX_NEGATIVE_HITS = 0.035
