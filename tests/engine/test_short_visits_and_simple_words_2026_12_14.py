"""A short visit of a house's woman ("with us until Thursday, then she moves on"), gone by
the weekend, on a visit from abroad (movement); a basic or limited language, simple words
please (language_barrier). With the ordinary senses that stay out.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

FLAGGED = [
    (
        "en",
        "Mila is with us until Friday, then she heads off to York. Escort agency, £150/hr.",
        "movement",
    ),
    ("en", "Gone after Sunday, so book now. Escort Leeds, £150/hr.", "movement"),
    ("nl", "Zondag ben ik alweer weg. Escort Ede, 150 per uur.", "movement"),
    ("nl", "Kort op bezoek uit Sofia. Escort Ede, 150 per uur.", "movement"),
    ("de", "Nächste Woche bin ich schon wieder weg. Escort Ulm, 150 €/Std.", "movement"),
    ("ro", "Până la duminică plec, grăbește-te. Escortă Cluj, 400 lei ora.", "movement"),
    ("ro", "În vizită din Chișinău pentru câteva zile. Escortă Cluj, 400 lei ora.", "movement"),
    (
        "en",
        "Please write simple sentences, communication is difficult. Escort Leeds, £150/hr.",
        "language_barrier",
    ),
    (
        "nl",
        "Haar Engels is heel basic, stuur simpele zinnen. Escort Ede, 150 per uur.",
        "language_barrier",
    ),
    (
        "de",
        "Ihr Deutsch ist noch rudimentär, bitte einfache Sätze. Escort Ulm, 150 €/Std.",
        "language_barrier",
    ),
    (
        "ro",
        "Olandeza mea e elementară, te rog cuvinte simple. Escortă în Utrecht, 150 €.",
        "language_barrier",
    ),
]


@pytest.mark.parametrize(("lang", "text", "category"), FLAGGED)
def test_said_obliquely(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category in categories(engine, text, lang)


SET_ASIDE = [
    ("nl", "Zin in een weekend weg met mij? Escort Ede, 38, 150 per uur.", "movement"),
    ("en", "In simple words: I love my job. Escort Leeds, 38, £150/hr.", "language_barrier"),
    ("en", "Our youngest lady is 24, our oldest 45. Escort agency Leeds, £150/hr.", "youth"),
]


@pytest.mark.parametrize(("lang", "text", "category"), SET_ASIDE)
def test_other_senses_stay_out(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category not in categories(engine, text, lang)


def test_a_bar_open_until_late_is_no_hit(engine: IndicatorEngine) -> None:
    text = "Cocktail bar: stay with us until 2am, live DJ on Fridays, happy hour 5-7."
    assert engine.analyse("", text, lang="en").hit is False


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Only 19 and a little shy. Escort Leeds, £150/hr."),
        ("nl", "Pas 19 jaar en nieuwsgierig. Escort Ede, 150 per uur."),
        ("de", "Gerade 20 Jahre und neugierig. Escort Ulm, 150 €/Std."),
        ("ro", "Abia 19 ani și timidă. Escortă Cluj, 400 lei ora."),
    ],
)
def test_only_19_is_youth(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "youth" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Escort Leeds, 34. Only 20 minutes from the station. £150/hr."),
        ("de", "Escort Ulm, 34. Erst 19 Uhr geöffnet, 150 €/Std."),
    ],
)
def test_minutes_and_hours_are_no_age(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "youth" not in categories(engine, text, lang)


@pytest.mark.parametrize(
    "text",
    [
        "Fluent English, my Spanish is quite basic. Escort Leeds, 30, £150/hr.",
        "My Spanish isn't great, but my English is perfect. Escort Leeds, 30, £150/hr.",
    ],
)
def test_a_weak_third_language_beside_fluent_english_is_no_barrier(
    engine: IndicatorEngine, text: str
) -> None:
    assert "language_barrier" not in categories(engine, text, "en")


def test_a_weak_english_still_flags(engine: IndicatorEngine) -> None:
    text = "Her English isn't good yet, text only. Escort Leeds, £150/hr."
    assert "language_barrier" in categories(engine, text, "en")


def test_german_that_is_simply_perfect_is_no_barrier(engine: IndicatorEngine) -> None:
    text = "Mein Deutsch ist einfach perfekt. Escort Ulm, 38, 150 €/Std."
    assert "language_barrier" not in categories(engine, text, "de")
