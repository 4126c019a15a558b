"""Movement as women who rotate between a house's flats or towns and as an arrival some
days ago; origin from across the Prut (ro); and what is set aside: seven days a week
beside opening hours, a massage technique named by a country, a babysitter for two girls.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

MOVEMENT = [
    ("en", "Our models rotate between Leeds, York and Hull. Escort agency, £150/hr."),
    ("en", "The roster changes every Friday, so book early. Escort house, £120/hr."),
    ("en", "Landed here only three days ago. Escort Mia, incall Leeds, £150/hr."),
    ("nl", "Onze dames rouleren tussen onze vestigingen. Privéhuis Breda, 100 per half uur."),
    ("nl", "Drie dagen geleden aangekomen in Utrecht. Escort Eva, 150 per uur."),
    ("de", "Unsere Damen wechseln zwischen unseren Wohnungen in Köln und Bonn. Escort, 150 €."),
    ("de", "Vor drei Tagen in Ulm angekommen. Escort Lisa, 150 €/Std., Hotelbesuche."),
    ("ro", "Fetele se rotesc între orașe, în fiecare săptămână alta. Escortă, 400 lei ora."),
    ("ro", "Am ajuns acum câteva zile în Cluj. Escortă Ana, 400 lei ora, hotel."),
]


@pytest.mark.parametrize(("lang", "text"), MOVEMENT)
def test_rotations_and_recent_arrivals(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "movement" in categories(engine, text, lang)


def test_from_across_the_prut_is_origin(engine: IndicatorEngine) -> None:
    text = "Fată de peste Prut, dulce și veselă. Escortă Iași, 400 lei ora, hotel."
    assert "origin" in categories(engine, text, "ro")


OPENING_HOURS = [
    ("en", "Studio open 10-22, 7 days a week. Erotic massage, £80/hr, incall Leeds."),
    ("nl", "Geopend 10-23, 7 dagen per week. Erotische massage, 90 per uur, Utrecht."),
    ("de", "Geöffnet 10-22, 7 Tage die Woche. Erotikmassage Köln, 90 €/Std."),
    ("ro", "Deschis 10-23, 7 zile din 7. Masaj erotic București, 300 lei ora."),
]


@pytest.mark.parametrize(("lang", "text"), OPENING_HOURS)
def test_seven_days_beside_opening_hours_is_no_round_the_clock(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" not in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Available 7 days a week, day and night. Escort Leeds, £150/hr."),
        ("ro", "Disponibilă 7 zile din 7, zi și noapte. Escortă Cluj, 400 lei ora."),
    ],
)
def test_seven_days_without_hours_still_flags(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


def test_a_massage_technique_named_by_a_country_is_no_origin(engine: IndicatorEngine) -> None:
    text = "Massage studio: Thai and Swedish techniques, relaxing oils. Erotic massage, £80/hr."
    assert "origin" not in categories(engine, text, "en")


def test_a_thai_masseuse_is_still_origin(engine: IndicatorEngine) -> None:
    text = "Sweet Thai girl Nok, erotic massage with happy ending, incall Leeds, £80/hr."
    assert "origin" in categories(engine, text, "en")


def test_a_babysitter_for_two_girls_is_no_hit(engine: IndicatorEngine) -> None:
    text = "Babysitter wanted for our two girls, three evenings a week, £13/hr, references."
    assert engine.analyse("", text, lang="en").hit is False


def test_a_taxi_to_the_airport_stays_an_ordinary_business(engine: IndicatorEngine) -> None:
    text = "Taxi naar Schiphol, 24/7 bereikbaar, vaste prijs 45 euro. Bel ons."
    assert engine.analyse("", text, lang="nl").hit is False


def test_landing_at_the_airport_is_no_taxi_business(engine: IndicatorEngine) -> None:
    text = (
        "Gisteren pas geland op Schiphol, nu een paar dagen in Haarlem. Escort Alina, 150 per uur."
    )
    assert "movement" in categories(engine, text, "nl")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "nl",
            "Onze monteur werkt non-stop, ook in het weekend. Bel voor een afspraak, 60 per uur.",
        ),
        ("nl", "Schoonmaker gezocht, betaling aan de bar na je dienst. 14 euro per uur."),
        ("en", "Mobile mechanic works non-stop, weekends too. Call for a quote, £45 per hour."),
        ("de", "Unser Mechaniker arbeitet nonstop, auch am Wochenende. 60 € pro Stunde."),
        ("ro", "Mecanicul nostru lucrează non-stop, și în weekend. Service auto, 100 lei ora."),
        ("en", "Band tour dates: Mon Leeds, Wed York, Fri Hull. Tickets £15, doors 7pm."),
    ],
)
def test_tradesmen_and_tours_are_no_hits(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert engine.analyse("", text, lang=lang).hit is False


def test_an_escort_who_works_non_stop_still_flags(engine: IndicatorEngine) -> None:
    text = "Escort Zwolle, Mila werkt non-stop, ook in het weekend. 150 per uur, ontvangst."
    assert "availability_24_7" in categories(engine, text, "nl")
