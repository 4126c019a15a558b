"""An itinerary of weekdays, each with a town, is movement ("Mon Leeds, Wed York, Fri
Hull"); weekly opening hours and working days in one town are not.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

ITINERARIES = [
    ("en", "Tour: Mon Leeds, Wed York, Fri Hull. Escort, £150/hr, hotel incall."),
    ("en", "Thu 4/6 Bristol, Fri 5/6 Cardiff, Sat 6/6 Coventry. Escort Nina, £150/hr."),
    ("nl", "Di Utrecht, wo Arnhem, za Nijmegen. Escort Eva, 150 per uur, hotel."),
    ("de", "Mo Köln · Mi Bonn · Fr Essen – Escort Lisa, 150 €/Std., Hotelbesuche."),
    ("ro", "Luni Cluj, miercuri Sibiu, vineri Brașov. Escortă, 400 lei ora, hotel."),
]


@pytest.mark.parametrize(("lang", "text"), ITINERARIES)
def test_an_itinerary_is_movement(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "movement" in categories(engine, text, lang)


SET_ASIDE = [
    ("en", "Mon-Fri 10-18, Sat 10-14, Sun closed. Studio in Leeds, £120/hr, incall."),
    ("en", "Mon, Wed and Fri in Leeds, the rest of the week off. Escort, £150/hr."),
    ("nl", "Ma, wo en vr in Utrecht, 150 per uur, escort, ontvangst."),
    ("de", "Mo, Mi und Fr in Berlin, Escort, 150 €/Std., Hausbesuche."),
    ("ro", "Luni, miercuri și vineri la Cluj, escortă, 400 lei ora."),
]


@pytest.mark.parametrize(("lang", "text"), SET_ASIDE)
def test_working_days_in_one_town_are_no_itinerary(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" not in categories(engine, text, lang)
