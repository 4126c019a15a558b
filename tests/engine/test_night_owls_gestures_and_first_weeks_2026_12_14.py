"""More kinds said obliquely: an early bird or a night owl, the phone beside the pillow
(availability); talking with hands and feet or gestures, the language "isn't there yet"
(language barrier); fresh off the plane, the first week in a town (movement); a first-year
student (youth); a region for the nationality (origin). With the senses that stay out.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

FLAGGED = [
    (
        "en",
        "Early bird or night owl, I'm here for you. Escort Leeds, £150/hr.",
        "availability_24_7",
    ),
    (
        "nl",
        "Mijn telefoon ligt naast mijn kussen, app gerust. Escort Ede, 150 per uur.",
        "availability_24_7",
    ),
    (
        "de",
        "Frühaufsteher oder Nachteule? Egal. Escort Ulm, 150 €/Std., Hausbesuche.",
        "availability_24_7",
    ),
    ("ro", "Matinal sau noctambul, te aștept. Escortă Cluj, 400 lei ora.", "availability_24_7"),
    (
        "en",
        "We'll understand each other with gestures. Erotic massage Leeds, £80/hr.",
        "language_barrier",
    ),
    (
        "nl",
        "We praten met handen en voeten, dat lukt prima. Escort Ede, 150 per uur.",
        "language_barrier",
    ),
    ("de", "Wir verständigen uns mit Händen und Füßen. Escort Ulm, 150 €/Std.", "language_barrier"),
    (
        "ro",
        "Ne înțelegem prin semne, nu-ți face griji. Escortă Cluj, 400 lei ora.",
        "language_barrier",
    ),
    ("en", "Straight off the plane and ready. Escort Leeds, incall, £150/hr.", "movement"),
    ("en", "My first week in Manchester, come and say hi. Escort, £150/hr.", "movement"),
    ("nl", "Mijn eerste week in Utrecht, kom kennismaken. Escort, 150 per uur.", "movement"),
    ("de", "Meine erste Woche in Köln, besuch mich. Escort, 150 €/Std.", "movement"),
    ("ro", "Prima mea săptămână în Cluj, te aștept. Escortă, 400 lei ora.", "movement"),
    ("ro", "Studentă în anul întâi, dulce și timidă. Escortă Iași, 400 lei ora.", "youth"),
    ("de", "Studentin im ersten Semester, schlank. Escort Jena, 150 €/Std.", "youth"),
    ("en", "Balkan beauty with long dark hair. Escort Leeds, incall, £150/hr.", "origin"),
]


@pytest.mark.parametrize(("lang", "text", "category"), FLAGGED)
def test_said_obliquely(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category in categories(engine, text, lang)


SET_ASIDE = [
    ("en", "Flat just off the train station, 5 minutes walk. Escort Leeds, £150/hr.", "movement"),
    ("en", "My first time in this business, be gentle. Escort Leeds, £150/hr.", "movement"),
    ("en", "Fresher towels, fresher rooms: our spa is renovated. Massage Leeds, £60/hr.", "youth"),
    (
        "nl",
        "Met handen en voeten vastgebonden, als je dat wilt. Escort Ede, 150 per uur.",
        "language_barrier",
    ),
]


@pytest.mark.parametrize(("lang", "text", "category"), SET_ASIDE)
def test_other_senses_stay_out(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category not in categories(engine, text, lang)
