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


def _phone_digits(value: str, region: str = "NL") -> list[tuple[tuple[int, int], str]]:
    found = [c for c in extract_contacts(value, region) if c.kind == "phone"]
    return [
        ((c.start, c.end), "".join(ch for ch in value[c.start : c.end] if ch.isdigit()))
        for c in found
    ]


def test_benchmark_copies_have_other_phone_numbers_and_the_same_rest() -> None:
    text = "Anna 23, 150 euro per uur. Bel 06-3951 2274 of +359 887 306 142, 24/7"
    assert copy_text(text, 0) == text
    original = _phone_digits(text)
    copies = [copy_text(text, copy) for copy in range(100)]
    numbers = [_phone_digits(value) for value in copies]
    for value, found in zip(copies, numbers, strict=True):
        assert value.startswith("Anna 23, 150 euro per uur. Bel 06-")
        assert value.endswith(", 24/7") and " of +359 887 " in value
        # Found where the ad's own numbers are, with the same prefixes.
        assert [span for span, _ in found] == [span for span, _ in original]
        for (_, digits), (_, before) in zip(found, original, strict=True):
            assert digits[:-6] == before[:-6] and len(digits) == len(before)
    for index in range(len(original)):
        # No two copies share two of the changed digits side by side: every reading of
        # the number that holds two of them is a new one in each copy.
        tails = [found[index][1][-6:] for found in numbers]
        for first in range(100):
            for second in range(first + 1, 100):
                a, b = tails[first], tails[second]
                assert all(a[i : i + 2] != b[i : i + 2] for i in range(5))


def test_benchmark_copies_read_numbers_in_the_ads_region() -> None:
    text = "Обади се на 02 987 6543 или 0888 123 456"
    copied = copy_text(text, 7, "BG")
    assert copied != text
    assert [span for span, _ in _phone_digits(copied, "BG")] == [
        span for span, _ in _phone_digits(text, "BG")
    ]
