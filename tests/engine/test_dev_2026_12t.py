"""The development set ``dev_2026_12t.jsonl``: a regression set of hard negatives.

320 ads in 8 languages (40 each, 208 without any indicator), written by two writers
(nl/en/de/ro and bg/hu/pl/es) who never saw the lexicons, from a brief about precision:
per language 16 escort, massage or dating ads whose wording looks like an indicator but
is not one (ages of 21 or more said in unusual ways, "new" photos, a long-time local,
dense opening hours, outcalls, holiday closures, safety in slang, refusals said
indirectly), 10 ordinary classifieds that reuse escort-ad words, and 14 ads with
indicators, mostly said obliquely. Scored first with lexicon 2026.12.14 (micro-F1 0.874,
hit recall 0.964, 26/208 ads without indicators became hits, worst language 0.809 (ro)).
Its errors were then read to write 2026.12.15, so it is no estimate of generalisation
any more: the bars below hold the level that version reached. The learned backstop is
not trained on it (its share of ads without an indicator, 65%, shifted the model's
decisions on the other sets).
"""

from __future__ import annotations

from tests.support.levels import HeldLevel


class TestDev2026_12t(HeldLevel):
    SET = "dev_2026_12t.jsonl"
    SHA256 = "9aa83e5ed3c4975b40da9ba66ad9a4557ce3f8cbc62f5fb38ed62576a778117d"
    TITLE = "dev_2026_12t (regression)"
    READABLE = True
    # With 2026.12.15: micro-F1 0.997, worst language 0.976 (nl), hit recall 0.991, 0/208.
    OVERALL_F1 = 0.99
    PER_LANGUAGE_F1 = 0.97
    HIT_RECALL = 0.985
    MAX_NEGATIVE_HITS = 0.005
