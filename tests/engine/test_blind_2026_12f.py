"""The blind set ``blind_2026_12f.jsonl``: an honest score, then a regression guard.

320 ads in 8 languages (40 each, 136 without any indicator), written from a brief that
named kinds of ads, each language in its own idiom (no template shared across languages),
by a writer who never saw the lexicons. Delivered after lexicon 2026.12.6 was written,
never read, scored once with it (micro-F1 0.910, hit recall 0.875, worst language 0.800
(ro), 3.7% of the ads without indicators became hits), see docs/indicators.md. Only
aggregate figures are printed. The bars below hold that level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.engine.evaluate import EvalReport, evaluate, format_report, load_labelled
from pipelines.engine.indicators import IndicatorEngine

BLIND_SET = Path(__file__).with_name("data") / "blind_2026_12f.jsonl"
SHA256 = "bc4e830cf42a7e8f75b7e673289ff0a330319e4b546f018e4051ebad6dabdd0c"
OVERALL_F1 = 0.90
PER_LANGUAGE_F1 = 0.79
HIT_RECALL = 0.87
MAX_NEGATIVE_HITS = 0.04


@pytest.fixture(scope="module")
def report(terminal_summary: Callable[[str, str], None]) -> EvalReport:
    result = evaluate(IndicatorEngine.from_dir(), load_labelled(BLIND_SET))
    # Aggregate figures only: the ads and their errors are not for reading.
    terminal_summary("blind set 2026-12f (regression guard)", format_report(result, errors=False))
    return result


def test_the_blind_set_is_unchanged() -> None:
    assert hashlib.sha256(BLIND_SET.read_bytes()).hexdigest() == SHA256


def test_micro_f1_stays_at_the_level_reached(report: EvalReport) -> None:
    assert report.overall.f1 >= OVERALL_F1


def test_every_language_stays_at_the_level_reached(report: EvalReport) -> None:
    low = sorted(lang for lang, c in report.by_language.items() if c.f1 < PER_LANGUAGE_F1)
    assert not low


def test_hit_recall_and_negative_hits_stay_at_the_level_reached(report: EvalReport) -> None:
    assert report.hits.recall >= HIT_RECALL
    assert report.negative_hits / report.negatives <= MAX_NEGATIVE_HITS
