"""The level an indicator lexicon reached on a labelled ad set, held by tests.

A test module of one set subclasses :class:`HeldLevel` as ``Test...`` and names the set,
its sha256 and the bars. An honest (blind) set is never read: only aggregate figures
are shown. A regression set (``READABLE``) shows its errors, in the summary and in a
failing assertion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest

from pipelines.engine.evaluate import EvalReport, evaluate, format_report, load_labelled
from pipelines.engine.indicators import IndicatorEngine

DATA = Path(__file__).resolve().parents[1] / "engine" / "data"
_REPORTS: dict[str, EvalReport] = {}


class HeldLevel:
    SET: ClassVar[str]  # file name in tests/engine/data
    SHA256: ClassVar[str]
    TITLE: ClassVar[str]  # of the block in the run's final summary
    READABLE: ClassVar[bool] = False
    OVERALL_F1: ClassVar[float]
    PER_LANGUAGE_F1: ClassVar[float]
    HIT_RECALL: ClassVar[float]
    MAX_NEGATIVE_HITS: ClassVar[float]

    @pytest.fixture
    def report(self, terminal_summary: Callable[[str, str], None]) -> EvalReport:
        # Scored once per run (a class-scoped fixture inherited by classes of several
        # modules is torn down between them).
        result = _REPORTS.get(self.SET)
        if result is None:
            result = _REPORTS[self.SET] = evaluate(
                IndicatorEngine.from_dir(), load_labelled(DATA / self.SET)
            )
            text = format_report(result, errors=self.READABLE)
            if self.READABLE:
                print("\n" + text)
            terminal_summary(self.TITLE, text)
        return result

    def _why(self, report: EvalReport) -> str:
        return format_report(report) if self.READABLE else ""

    def test_the_set_is_unchanged(self) -> None:
        assert hashlib.sha256((DATA / self.SET).read_bytes()).hexdigest() == self.SHA256

    def test_micro_f1_stays_at_the_level_reached(self, report: EvalReport) -> None:
        assert report.overall.f1 >= self.OVERALL_F1, self._why(report)

    def test_every_language_stays_at_the_level_reached(self, report: EvalReport) -> None:
        bar = self.PER_LANGUAGE_F1
        low = {lang: c.f1 for lang, c in report.by_language.items() if c.f1 < bar}
        assert not low, self._why(report)

    def test_hit_recall_and_negative_hits_stay_at_the_level_reached(
        self, report: EvalReport
    ) -> None:
        assert report.hits.recall >= self.HIT_RECALL, self._why(report)
        negative_share = report.negative_hits / report.negatives
        assert negative_share <= self.MAX_NEGATIVE_HITS, self._why(report)
