"""Ordinary senses of escort words, denied lists, other women's ads and hours (2026.12.15).

Each way of setting a cue aside (a Latin dance club, a massage style, a thing that just
arrived, everything going through someone, removals, hostels, a travel agency, "din nou",
touring denied after the verb, her own bookings, a quoted list the ad denies, another page,
what other women or other ads do, no fixed hours by appointment) and the ad that still
flags, plus the new positive kinds. Invented ads only (no contact details but invented ones).
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

SUPPRESSED = [
    # Latin dance and music, also hyphenated or in another word order.
    (
        "en",
        "Curvy Mia, 29, incall Leeds, £150/hr. Fridays you find me at the salsa club, "
        "Latino-night dancing.",
        "origin",
    ),
    (
        "de",
        "Sexy Mia, 29, Hausbesuche in Köln, 150 € pro Stunde. Freitags tanze ich im Latino-Club.",
        "origin",
    ),
    (
        "de",
        "Sexy Mia, 29, Hausbesuche in Köln, 150 € pro Stunde. Freitags tanze ich im Latino-Club.",
        "third_party",
    ),
    (
        "ro",
        "Mia, 29, masaj erotic în Cluj, 300 lei ora. Îmi plac petrecerile latino și dansul.",
        "origin",
    ),
    # A massage style named after its country.
    (
        "nl",
        "Sensuele massage met Balinese massagetechnieken, 90 minuten €140, privé in Utrecht.",
        "origin",
    ),
    # A thing that arrived is no newcomer.
    ("en", "My new stockings finally arrived! Sexy Mia, incall Leeds, GFE, £150/hr.", "movement"),
    # Everything goes through someone: a channel, not "anything goes".
    (
        "en",
        "Everything goes via my booker, text him. Sexy Mia, incall Leeds, £150/hr.",
        "unsafe_services",
    ),
    (
        "de",
        "Alles läuft über meinen Freund, er schreibt dir. Sexy Mia, Köln, 150 € pro Stunde.",
        "unsafe_services",
    ),
    # Removals and hostels are ordinary businesses.
    (
        "en",
        "Man and van, day or night, house clearances, fully insured. Call Jo on 07700 900111.",
        "availability_24_7",
    ),
    ("en", "New in town? Our hostel has dorms from £20 and a 24-hour reception.", "movement"),
    # A travel agency's offer of the week.
    (
        "ro",
        "Agenția de turism Soare: sejur all inclusive în Creta, doar săptămâna asta, de la 399 €.",
        "movement",
    ),
    # "Din nou": again at her own place.
    (
        "ro",
        "Am fost plecată o săptămână; de luni sunt din nou în apartamentul meu. Masaj erotic, 300 "
        "lei ora, Iași.",
        "movement",
    ),
    # Touring denied with the negation after the verb.
    (
        "nl",
        "Ik reis niet rond, ik woon al jaren in Breda. Sexy Mia, privé ontvangst, €150 per uur.",
        "movement",
    ),
    (
        "de",
        "Ich reise nicht herum, ich wohne seit Jahren in Köln. Sexy Mia, Hausbesuche, 150 € pro "
        "Stunde.",
        "movement",
    ),
    # She makes her own bookings.
    (
        "ro",
        "Soțul meu știe, dar nu se bagă; programările le stabilesc numai eu. Masaj erotic, 300 "
        "lei ora, Iași.",
        "third_party",
    ),
    # A list of quoted cues the ad then denies.
    (
        "nl",
        "'24/7', 'nieuw in de stad', 'alles zonder' - je kent ze wel? Dat ben ik allemaal niet. "
        "Mia, 45, privé ontvangst in Breda, €150 per uur.",
        "availability_24_7",
    ),
    (
        "nl",
        "'24/7', 'nieuw in de stad', 'alles zonder' - je kent ze wel? Dat ben ik allemaal niet. "
        "Mia, 45, privé ontvangst in Breda, €150 per uur.",
        "movement",
    ),
    (
        "en",
        "'New in town', 'available 24/7' - seen those ads? That's not me at all. Mia, 45, incall "
        "Leeds, £150/hr.",
        "movement",
    ),
    (
        "de",
        "'Neu in der Stadt', 'rund um die Uhr' - kennt ihr? Das bin ich alles nicht. Mia, 45, "
        "Köln, 150 € pro Stunde.",
        "availability_24_7",
    ),
    # Sent to another page.
    (
        "en",
        "Looking for a girl who answers round the clock, you're on the wrong page. Mia, 45, "
        "incall Leeds, £150/hr, Tue-Fri.",
        "availability_24_7",
    ),
    # What other women or other ads do.
    (
        "en",
        "Lots of girls on here have a manager who takes the money. Mia, 45, incall Leeds, £150/hr.",
        "third_party",
    ),
    (
        "nl",
        "Advertenties van dames die maar een paar dagen in de stad zijn ken je wel. Mia, 45, "
        "privé ontvangst in Breda, €150 per uur.",
        "movement",
    ),
    # No fixed hours by appointment is a schedule.
    (
        "en",
        "No fixed hours, by appointment only. Sexy Mia, incall Leeds, £150/hr.",
        "availability_24_7",
    ),
    (
        "ro",
        "Nu am program fix, sună înainte. Sexy Mia, masaj erotic, 300 lei ora, Iași.",
        "availability_24_7",
    ),
]

STILL_FLAGGED = [
    ("en", "Hot Latina Mia, 23, incall Leeds, £150/hr.", "origin"),
    ("nl", "Thaise dame geeft sensuele massage, privé in Utrecht, €140.", "origin"),
    ("en", "Just arrived in Leeds yesterday! Sexy Mia, incall, GFE, £150/hr.", "movement"),
    ("en", "Everything goes, no rules. Sexy Mia, incall Leeds, £150/hr.", "unsafe_services"),
    ("en", "24-hour incall, sexy Mia, Leeds, £150/hr, call me anytime.", "availability_24_7"),
    ("ro", "Sunt nouă în Cluj, am ajuns ieri. Masaj erotic, 300 lei ora.", "movement"),
    (
        "nl",
        "Ik toer door het land: ma Breda, wo Tilburg, vr Utrecht. Sexy Mia, €150 per uur.",
        "movement",
    ),
    ("ro", "Prietenul meu face programările. Masaj erotic, 300 lei ora, Iași.", "third_party"),
    ("en", "New in town and available 24/7! Mia, incall Leeds, £150/hr.", "movement"),
    (
        "en",
        "Unlike other girls I answer round the clock. Mia, incall Leeds, £150/hr.",
        "availability_24_7",
    ),
    ("en", "Our girls have a manager who takes the money. Incall Leeds, £150/hr.", "third_party"),
    (
        "en",
        "No set hours: midnight or 5am, just text. Sexy Mia, incall Leeds, £150/hr.",
        "availability_24_7",
    ),
    (
        "ro",
        "Nu am program: vino și la 3 noaptea. Sexy Mia, masaj erotic, 300 lei ora, Iași.",
        "availability_24_7",
    ),
    (
        "de",
        "Wir schlafen nie: Escort-Service Köln, 200 € pro Stunde, Hotelbesuche.",
        "availability_24_7",
    ),
    ("en", "Just turned 20, sexy Mia, incall Leeds, £150/hr.", "youth"),
    (
        "nl",
        "Het mag ook zonder, tegen een kleine toeslag. Sexy Mia, privé ontvangst in Breda, €150 "
        "per uur.",
        "unsafe_services",
    ),
    (
        "ro",
        "La mine se poate și natural, cu un mic supliment. Masaj erotic, 300 lei ora, Iași.",
        "unsafe_services",
    ),
    ("nl", "Deze week: ma Zwolle, wo Assen, vr Alkmaar. Sexy Mia, €150 per uur.", "movement"),
]


@pytest.mark.parametrize(("lang", "text", "category"), SUPPRESSED)
def test_the_cue_is_set_aside(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category not in categories(engine, text, lang)


@pytest.mark.parametrize(("lang", "text", "category"), STILL_FLAGGED)
def test_the_positive_ad_still_flags(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category in categories(engine, text, lang)


def test_other_womens_practice_is_explained(engine: IndicatorEngine) -> None:
    text = "Lots of girls on here have a manager who takes the money. Mia, 45, incall Leeds."
    analysis = engine.analyse("", text, lang="en")
    assert "third_party" not in analysis.categories
    details = {s.detail for s in analysis.suppressed if s.category == "third_party"}
    assert "lots of girls on here" in details
