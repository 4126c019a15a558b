"""The blind set ``blind_2026_12f.jsonl``: an honest score, then a regression guard.

320 ads in 8 languages (40 each, 136 without any indicator), written from a brief that
named kinds of ads, each language in its own idiom (no template shared across languages),
by a writer who never saw the lexicons. Delivered after lexicon 2026.12.6 was written,
never read, scored once with it (micro-F1 0.910, hit recall 0.875, worst language 0.800
(ro), 3.7% of the ads without indicators became hits), see docs/indicators.md. Only
aggregate figures are printed. The bars below hold that level.
"""

from __future__ import annotations

from tests.support.levels import HeldLevel


class TestBlind2026_12f(HeldLevel):
    SET = "blind_2026_12f.jsonl"
    SHA256 = "bc4e830cf42a7e8f75b7e673289ff0a330319e4b546f018e4051ebad6dabdd0c"
    TITLE = "blind set 2026-12f (regression guard)"
    OVERALL_F1 = 0.90
    PER_LANGUAGE_F1 = 0.79
    HIT_RECALL = 0.87
    MAX_NEGATIVE_HITS = 0.04
