"""Evaluation on the shared labelled development set (``../shared/eval/ads_dev.jsonl``).

Bars: micro-F1 >= 0.90 over the seven categories, and >= 0.80 in every language.
Per-category and per-language figures are printed (``pytest -s``) and added to the
terminal summary. Also: which set the speed benchmarks run on (the shared one, else the
bundled one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.engine import evaluate as evaluate_module
from pipelines.engine.contacts import extract_contacts
from pipelines.engine.evaluate import (
    DEV_SET,
    EvalReport,
    copy_text,
    evaluate,
    format_report,
    load_labelled,
)
from pipelines.engine.indicators import IndicatorEngine

OVERALL_F1 = 0.90
PER_LANGUAGE_F1 = 0.80
LANGUAGES = ("nl", "en", "de", "ro", "bg", "hu", "pl", "es")


@pytest.fixture(scope="module")
def report(terminal_summary: Callable[[str, str], None]) -> EvalReport:
    if not DEV_SET.is_file():
        pytest.skip(f"labelled development set not found at {DEV_SET.resolve()}")
    result = evaluate(IndicatorEngine.from_dir(), load_labelled(DEV_SET))
    text = format_report(result)
    print("\n" + text)
    terminal_summary("indicator evaluation (dev set)", text)
    return result


def test_dev_set_covers_every_language(report: EvalReport) -> None:
    assert set(report.by_language) == set(LANGUAGES)
    assert report.ads >= 100


def test_micro_f1_over_all_categories_reaches_the_bar(report: EvalReport) -> None:
    assert report.overall.f1 >= OVERALL_F1, format_report(report)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_micro_f1_in_every_language_reaches_the_bar(report: EvalReport, lang: str) -> None:
    assert report.by_language[lang].f1 >= PER_LANGUAGE_F1, format_report(report)


def test_benchmarks_run_on_the_bundled_set_without_the_shared_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(evaluate_module, "DEV_SET", tmp_path / "missing.jsonl")
    data = evaluate_module.bench_set()
    assert data == evaluate_module.BUNDLED_DEV_SET
    ads = load_labelled(data)
    assert len(ads) >= 400
    assert {ad.lang for ad in ads} == set(LANGUAGES)


def test_benchmarks_prefer_the_shared_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shared = tmp_path / "ads_dev.jsonl"
    ad = {"id": "x-1", "lang": "en", "title": "t", "text": "new in town", "labels": ["movement"]}
    shared.write_text(json.dumps(ad) + "\n")
    monkeypatch.setattr(evaluate_module, "DEV_SET", shared)
    assert evaluate_module.bench_set() == shared


def test_an_empty_shared_set_is_no_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shared = tmp_path / "ads_dev.jsonl"
    shared.write_text("")
    monkeypatch.setattr(evaluate_module, "DEV_SET", shared)
    assert evaluate_module.bench_set() == evaluate_module.BUNDLED_DEV_SET


def test_a_benchmark_on_another_set_says_its_target_is_for_the_shared_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shared = tmp_path / "ads_dev.jsonl"
    monkeypatch.setattr(evaluate_module, "DEV_SET", shared)
    assert evaluate_module.bench_set_note(shared) == ""
    note = evaluate_module.bench_set_note(evaluate_module.BUNDLED_DEV_SET)
    assert note == "(measured on dev_2026_12o.jsonl; the target is for ads_dev.jsonl)"


def test_benchmark_copies_have_other_phone_numbers_and_the_same_rest() -> None:
    text = "Anna 23, 150 euro per uur. Bel 06-3951 2274 of +359 887 306 142, 24/7"
    assert copy_text(text, 0) == text
    copies = [copy_text(text, copy) for copy in range(100)]
    for value in copies:
        assert value.startswith("Anna 23, 150 euro per uur. Bel 06-39")
        assert value.endswith(", 24/7") and " of +359 8" in value
    for index in range(2):
        # Each copy's number, as written: no two copies share six digits in a row (the
        # shortest reading of a number), so none finds another's reading in the cache.
        digits = []
        for value in copies:
            phones = [c for c in extract_contacts(value) if c.kind == "phone"]
            assert len(phones) == 2
            digits.append(
                "".join(ch for ch in value[phones[index].start : phones[index].end] if ch.isdigit())
            )
        windows = [{d[i : i + 6] for i in range(len(d) - 5)} for d in digits]
        for first in range(100):
            for second in range(first + 1, 100):
                assert not windows[first] & windows[second]
