"""The blind set ``blind_2026_12u.jsonl``: an honest score, then a regression guard.

400 ads in 8 languages (50 each, 192 without any indicator), written by two writers
(nl/en/de/ro and bg/hu/pl/es) who never saw the lexicons, from the brief of 2026-12p, each
language written from scratch. Frozen (sha256 below) before lexicon 2026.12.15 changed a
rule, never read, scored with 2026.12.14 (micro-F1 0.977, hit recall 0.986, worst
language 0.963 (pl), 5/192 ads without indicators became hits) and with 2026.12.15 (the
same figures), see docs/indicators.md. Only aggregate figures are printed. The bars below
hold the level reached.
"""

from __future__ import annotations

from tests.support.levels import HeldLevel


class TestBlind2026_12u(HeldLevel):
    SET = "blind_2026_12u.jsonl"
    SHA256 = "0ca7808bd0c4ba6e3186a1474b05fd6529b8f742251d47a2b6d82043aec1501d"
    TITLE = "blind set 2026-12u (regression guard)"
    OVERALL_F1 = 0.97
    PER_LANGUAGE_F1 = 0.95
    HIT_RECALL = 0.98
    MAX_NEGATIVE_HITS = 0.035
