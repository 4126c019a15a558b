"""Round-the-clock availability and a language barrier said obliquely: the phone that is
never off, the door that is always open, while the town sleeps, the small hours; the
language that is hard, still being learnt, a vocabulary of greetings, the language named
first with a clitic (ro). With the benign sense and the refusals that set them aside.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

AVAILABLE = [
    ("en", "My mobile is never switched off, so ring whenever. Jade, 30, incall Bolton, £120/hr."),
    ("en", "Text at 2am or at noon: there's no hour I won't answer. Escort Derby, £130/hr."),
    ("en", "While the whole town sleeps my door is always open. Erotic massage Hull, £90/hr."),
    ("nl", "Mijn mobiel staat nooit uit, app maar. Escort Zwolle, 140 per uur, ontvangst."),
    (
        "nl",
        "Als heel Nederland slaapt, je mag altijd komen. Escort Ede, 150 per uur.",
    ),
    ("de", "Mein Telefon bleibt nie aus, ruf einfach an. Escort Kassel, 150 €/Std., Hausbesuche."),
    (
        "de",
        "Wenn die ganze Stadt schläft, ist meine Tür immer offen. Erotikmassage Ulm.",
    ),
    ("ro", "Telefonul meu e mereu pornit, iar ușa se deschide oricând. Escortă Arad, 400 lei ora."),
    ("ro", "Vino și în toiul nopții, când toată lumea doarme. Masaj erotic Sibiu, 300 lei ora."),
]


@pytest.mark.parametrize(("lang", "text"), AVAILABLE)
def test_round_the_clock_said_obliquely(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Sasha works non-stop, weekends too. Escort Hull, incall, £150/hr."),
        ("nl", "Mila werkt non-stop, ook in het weekend. Escort Breda, 150 per uur."),
        ("ro", "Daria lucrează non-stop, și în weekend. Escortă Iași, 400 lei ora."),
    ],
)
def test_working_non_stop_in_the_third_person(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


def test_a_shop_that_works_non_stop_stays_out(engine: IndicatorEngine) -> None:
    text = "Our corner shop works non-stop: bread, milk, phone top-ups. Open every day."
    assert "availability_24_7" not in categories(engine, text, "en")


BARRIERS = [
    ("en", "Speaking English is difficult for me, please write. Mia, incall Leeds, £100/hr."),
    (
        "en",
        "I am still learning English, I can't understand you on the phone. Escort Luton.",
    ),
    ("en", "My English vocabulary is hello and thank you. Text only. Escort Slough, £110/hr."),
    (
        "nl",
        "Praten in het Nederlands is nog lastig voor mij, stuur een sms. Escort Ede, 120/u.",
    ),
    ("nl", "Ik ben nog Nederlands aan het leren, dus alleen sms. Escort Venlo, 130 per uur."),
    (
        "de",
        "Die Sprache hierzulande spreche ich noch nicht, bitte nur SMS. Escort Halle, 120 €.",
    ),
    ("de", "Deutsch fällt mir noch schwer, schreib kurz. Escort Essen, 130 €/Std., Hotelbesuche."),
    ("ro", "Germana n-o știu, engleza nici atât, scrie-mi doar în română. Escortă, 100 € ora."),
    ("ro", "Cu olandeza nu mă descurc, doar mesaje. Escortă în Utrecht, 150 € ora."),
]


@pytest.mark.parametrize(("lang", "text"), BARRIERS)
def test_language_barrier_said_obliquely(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "language_barrier" in categories(engine, text, lang)


def test_basic_english_required_in_a_job_ad_is_no_barrier(engine: IndicatorEngine) -> None:
    text = "Warehouse pickers wanted, 40 hours a week, £12/hr. Basic English is enough."
    assert "language_barrier" not in categories(engine, text, "en")


def test_basic_english_of_the_person_still_flags(engine: IndicatorEngine) -> None:
    text = "My English is very basic, text me the time. Escort Reading, incall, £120/hr."
    assert "language_barrier" in categories(engine, text, "en")


def test_an_agency_hotline_staffed_round_the_clock_flags(engine: IndicatorEngine) -> None:
    text = "Escort-Agentur Köln: unsere Hotline ist 24 Stunden besetzt, auch nachts. Ab 150 €."
    assert "availability_24_7" in categories(engine, text, "de")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Stromanbieter: Service-Hotline 24 Stunden erreichbar, Tarife ab 29 € im Monat."),
        ("en", "Lost your card? Our customer hotline is open 24/7. Call now."),
    ],
)
def test_a_service_hotline_stays_out(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "availability_24_7" not in categories(engine, text, lang)
