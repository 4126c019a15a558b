"""Evaluation of the indicator engine on labelled ads (JSON Lines).

The record format is the one of ``../shared/eval/ads_dev.jsonl``:
``{"id", "lang", "title", "text", "labels"}``, ``labels`` being the set of the seven
lexicon categories the text expresses. The derived ``low_price`` category is ignored.

Micro precision/recall/F1 are computed over all (ad, category) decisions, overall, per
category and per language; ``tests/engine/test_eval.py`` and ``bench/indicators.py``
share this code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import CATEGORIES

__all__ = [
    "BUNDLED_DEV_SET",
    "DEV_SET",
    "Counts",
    "EvalReport",
    "LabelledAd",
    "bench_set",
    "bench_set_note",
    "copy_text",
    "evaluate",
    "format_report",
    "load_labelled",
]


def _shared_eval(name: str) -> Path:
    """``shared/eval/<name>`` next to the repository root or one of its parents (a
    checkout may sit one folder deeper than the shared data)."""
    root = Path(__file__).resolve().parents[2]
    for folder in (root, *root.parents):
        candidate = folder.parent / "shared" / "eval" / name
        if candidate.is_file():
            return candidate
    return root / ".." / "shared" / "eval" / name


#: The shared development set, next to the repository root.
DEV_SET = _shared_eval("ads_dev.jsonl")
#: A development set that comes with the repository (400 ads, 8 languages), for the
#: benchmarks of a checkout without the shared data beside it.
BUNDLED_DEV_SET = (
    Path(__file__).resolve().parents[2] / "tests" / "engine" / "data" / "dev_2026_12o.jsonl"
)


def bench_set() -> Path:
    """The ads the speed benchmarks run on: the shared development set, or the bundled
    one where the shared data is missing or empty (the benchmarks say which)."""
    return DEV_SET if DEV_SET.is_file() and DEV_SET.stat().st_size else BUNDLED_DEV_SET


def bench_set_note(data: Path) -> str:
    """What a benchmark adds to its verdict on ``data``: nothing on the shared set, else
    that its target is for the shared set."""
    if data.resolve() == DEV_SET.resolve():
        return ""
    return f"(measured on {data.name}; the target is for {DEV_SET.name})"


#: The digits at the end of a phone number that the copies change (:func:`copy_text`):
#: its subscriber's part. What comes before (a country code, a trunk prefix, an area or
#: a mobile prefix) decides whether it is valid, and where, and stays.
_CHANGED_DIGITS = 6


def copy_text(text: str, copy: int, region: str | None = None) -> str:
    """``text`` as copy number ``copy`` of the ads a benchmark repeats (copy 0: ``text``
    itself): the last six digits of each phone number found in ``region`` (lcom's
    default region when ``None``) changed, so that no two of the first 100 copies share
    two of those digits side by side.

    A process keeps the readings of the numbers it parsed (a carousel repeats its number
    across ads): copies of the same numbers would time that cache, not the reading of a
    new ad's number. Those digits get the copy's units or its tens added (mod 10), in
    turn: a reading of a number that holds two of them is a new one in each copy (a
    reading of only the digits before them is not). Ages, prices, other digits and the
    number's prefixes stay, so each copy's number is of the same kind, and almost always
    found as in the ad itself (``tests/engine/test_eval.py``). Digits that are not ASCII
    and numbers spelled in words stay as they are."""
    if not copy:
        return text
    from pipelines.engine.contacts import DEFAULT_REGION, PHONE, extract_contacts

    shifts = (copy % 10, copy // 10 % 10)
    chars = list(text)
    for contact in extract_contacts(text, region or DEFAULT_REGION):
        if contact.kind != PHONE:
            continue
        digits = [at for at in range(contact.start, contact.end) if "0" <= chars[at] <= "9"]
        for index, at in enumerate(digits[-_CHANGED_DIGITS:]):
            chars[at] = str((int(chars[at]) + shifts[index % 2]) % 10)
    return "".join(chars)


@dataclass(frozen=True, slots=True)
class LabelledAd:
    id: str
    lang: str
    title: str
    text: str
    labels: frozenset[str]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, predicted: set[str] | frozenset[str], expected: frozenset[str]) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)


@dataclass(slots=True)
class Error:
    id: str
    missed: list[str]
    spurious: list[str]


@dataclass(slots=True)
class EvalReport:
    overall: Counts = field(default_factory=Counts)
    by_category: dict[str, Counts] = field(default_factory=dict)
    by_language: dict[str, Counts] = field(default_factory=dict)
    errors: list[Error] = field(default_factory=list)
    ads: int = 0
    #: Ad level: is the ad a hit? (an ad with any label should be, one without not)
    hits: Counts = field(default_factory=Counts)
    by_language_hits: dict[str, Counts] = field(default_factory=dict)
    #: Ads without any label, and how many of them became hits.
    negatives: int = 0
    negative_hits: int = 0


def load_labelled(path: str | Path) -> list[LabelledAd]:
    """Read a labelled JSON Lines file."""
    ads = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            ads.append(
                LabelledAd(
                    id=str(record["id"]),
                    lang=str(record.get("lang") or "unknown"),
                    title=record.get("title") or "",
                    text=record.get("text") or "",
                    labels=frozenset(record.get("labels") or ()),
                )
            )
    return ads


def evaluate(
    engine: IndicatorEngine, ads: Iterable[LabelledAd], categories: Sequence[str] = CATEGORIES
) -> EvalReport:
    """Run the engine on every ad and count the category decisions."""
    wanted = frozenset(categories)
    report = EvalReport(by_category={c: Counts() for c in categories})
    for ad in ads:
        analysis = engine.analyse(ad.title, ad.text, lang=ad.lang)
        predicted = set(analysis.categories) & wanted
        expected = ad.labels & wanted
        report.ads += 1
        report.overall.add(predicted, expected)
        hit = {"hit"} if analysis.hit else set()
        labelled = frozenset({"hit"}) if expected else frozenset()
        report.hits.add(hit, labelled)
        report.by_language_hits.setdefault(ad.lang, Counts()).add(hit, labelled)
        if not expected:
            report.negatives += 1
            report.negative_hits += bool(hit)
        report.by_language.setdefault(ad.lang, Counts()).add(predicted, expected)
        for category in categories:
            report.by_category[category].add(
                predicted & {category}, expected & frozenset({category})
            )
        if predicted != expected:
            report.errors.append(
                Error(ad.id, sorted(expected - predicted), sorted(predicted - expected))
            )
    return report


def format_report(report: EvalReport, *, errors: bool = True) -> str:
    """The report as a plain-text table."""
    lines = [f"indicator evaluation on {report.ads} ads (micro-averaged)"]
    header = f"{'':<20}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>5}{'FN':>5}"

    def row(name: str, c: Counts) -> str:
        return (
            f"{name:<20}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.tp:>6}{c.fp:>5}{c.fn:>5}"
        )

    lines += [header, row("ALL", report.overall), "-- per category"]
    lines += [row(name, c) for name, c in report.by_category.items()]
    lines.append("-- per language")
    lines += [row(name, c) for name, c in sorted(report.by_language.items())]
    lines.append("-- ad level: hit")
    lines.append(row("ALL", report.hits))
    lines += [row(name, c) for name, c in sorted(report.by_language_hits.items())]
    share = report.negative_hits / report.negatives if report.negatives else 0.0
    lines.append(
        f"ads without any indicator that became hits: {report.negative_hits}/"
        f"{report.negatives} ({share:.1%})"
    )
    if errors and report.errors:
        lines.append("-- disagreements (missed / spurious)")
        lines += [
            f"{e.id:<10} missed={','.join(e.missed) or '-'} spurious={','.join(e.spurious) or '-'}"
            for e in report.errors
        ]
    return "\n".join(lines)
