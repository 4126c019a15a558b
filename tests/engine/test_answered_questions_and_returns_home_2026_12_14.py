"""The language asked and answered ("Deutsch? Nur ein bisschen."), an apology for a poor
language, not understanding the caller; going back home on a named day or when a visa
runs out; the phone never switched off, the small hours; still a teenager; the woman at
the door who sorts it. With the ordinary ads that share the words.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

FLAGGED = [
    ("en", "English? Only a little bit, so text me. Escort Leeds, £150/hr.", "language_barrier"),
    ("nl", "Nederlands? Een heel klein beetje. Escort Ede, 150 per uur.", "language_barrier"),
    ("nl", "Excuses voor mijn gebrekkige Nederlands. Escort Ede, 150 per uur.", "language_barrier"),
    ("de", "Deutsch? Nein. Englisch? Ein bisschen. Escort Ulm, 150 €/Std.", "language_barrier"),
    ("ro", "Olandeza? Foarte puțin. Escortă în Utrecht, 150 € ora.", "language_barrier"),
    (
        "ro",
        "Când mă suni nu te înțeleg, scrie-mi. Escortă în Viena, 150 € ora.",
        "language_barrier",
    ),
    ("en", "Flying back home next weekend, so don't wait. Escort Leeds, £150/hr.", "movement"),
    ("en", "Here till my visa expires in March. Escort Leeds, £150/hr.", "movement"),
    ("nl", "Over twee weken vlieg ik terug naar Bulgarije. Escort Ede, 150 per uur.", "movement"),
    ("de", "Am Freitag fliege ich zurück nach Polen. Escort Ulm, 150 €/Std.", "movement"),
    ("ro", "Vineri mă întorc acasă, în Moldova. Escortă în Viena, 150 € ora.", "movement"),
    ("en", "I never turn my phone off. Escort Leeds, incall, £150/hr.", "availability_24_7"),
    ("de", "Das Handy mache ich nie aus. Escort Ulm, 150 €/Std.", "availability_24_7"),
    ("en", "Still a teenager, petite and shy. Escort Leeds, £150/hr.", "youth"),
    ("ro", "Abia adolescentă, timidă și dulce. Escortă Cluj, 400 lei ora.", "youth"),
    ("en", "The madam at the door will take the money. Massage house Leeds, £80.", "third_party"),
]


@pytest.mark.parametrize(("lang", "text", "category"), FLAGGED)
def test_said_obliquely(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category in categories(engine, text, lang)


ORDINARY = [
    ("en", "Holiday let in Cornwall, owners going back home on Sunday. £600/week, sleeps 4."),
    ("nl", "Vakantiehuis te huur, wij gaan terug naar huis op zondag. 500 euro per week."),
    ("de", "Ferienwohnung an der Ostsee, wir fahren Sonntag zurück nach Berlin. 80 € pro Nacht."),
    ("ro", "Apartament de vânzare, proprietarii se întorc acasă în Italia. 60.000 euro."),
    ("de", "Deutschkurs für Anfänger: Deutsch? Nur ein bisschen? Zehn Termine, 120 €."),
]


@pytest.mark.parametrize(("lang", "text"), ORDINARY)
def test_ordinary_ads_are_no_hits(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert engine.analyse("", text, lang=lang).hit is False


def test_a_foreign_language_refused_beside_fluent_english_is_no_barrier(
    engine: IndicatorEngine,
) -> None:
    text = "Escort Leeds, 35. Fluent English, a little German. Dutch? No. £150/hr."
    assert "language_barrier" not in categories(engine, text, "en")


def test_english_refused_is_a_barrier(engine: IndicatorEngine) -> None:
    text = "Escort Leeds, 25. English? No. Only Romanian, text me. £150/hr."
    assert "language_barrier" in categories(engine, text, "en")


def test_a_visa_service_is_no_short_stay(engine: IndicatorEngine) -> None:
    text = "Immigration advice: visa expires soon? We help with extensions. £80 per hour."
    assert engine.analyse("", text, lang="en").hit is False
