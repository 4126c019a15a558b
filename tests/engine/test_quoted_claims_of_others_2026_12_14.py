"""A quoted cue that other ads or other women say, or that the ad dismisses, is no
indicator of the advertised person ("Lots of ads promise 'no limits' - I'm not one of
them", "Ich bin keine, die „nur kurz da“ ist", "the 'just arrived' nonsense"); a quoted
cue the ad claims for itself still flags.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

REPORTED = [
    (
        "en",
        "Plenty of profiles say 'new in town' - I've been in Leeds for years. Escort, £150/hr.",
        "movement",
    ),
    (
        "en",
        "Skip the 'bareback' rubbish, always safe with me. Escort Derby, £140/hr.",
        "unsafe_services",
    ),
    (
        "nl",
        "In veel advertenties lees je 'zonder condoom', bij mij niet. Escort Ede, 150 per uur.",
        "unsafe_services",
    ),
    (
        "de",
        "Ich bin keine, die „neu in der Stadt“ spielt: Ulm ist mein Zuhause. Escort, 150 €.",
        "movement",
    ),
    (
        "ro",
        "Alte fete scriu „fără limite”, eu am reguli clare. Escortă Cluj, 400 lei ora.",
        "unsafe_services",
    ),
]


@pytest.mark.parametrize(("lang", "text", "category"), REPORTED)
def test_what_others_say_is_set_aside(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category not in categories(engine, text, lang)


CLAIMED = [
    ("en", "Yes, I really am 'new in town', arrived Monday. Escort Leeds, £150/hr.", "movement"),
    (
        "en",
        "Unlike the others I don't judge: 'no limits' means no limits. Escort, £150/hr.",
        "unsafe_services",
    ),
    ("nl", "Echt 'nieuw in de stad', sinds gisteren hier. Escort Ede, 150 per uur.", "movement"),
    ("de", "Wirklich „neu in der Stadt“, seit Montag hier. Escort Ulm, 150 €/Std.", "movement"),
    (
        "ro",
        "Cu adevărat „fără limite”, întreabă orice. Escortă Cluj, 400 lei ora.",
        "unsafe_services",
    ),
]


@pytest.mark.parametrize(("lang", "text", "category"), CLAIMED)
def test_a_quoted_cue_of_her_own_still_flags(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category in categories(engine, text, lang)
