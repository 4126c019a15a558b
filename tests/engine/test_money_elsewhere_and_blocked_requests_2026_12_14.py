"""Third parties said by where the money goes (a maid, a relative, "not to the girl"), a
relative who drives and waits, whichever woman is free; unprotected sex said as
protection not needed, limits I do not have, seldom saying no, nothing between us, BB for
regulars; and the refusal "whoever asks for it is blocked", with the ad that still flags.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

THIRD_PARTY = [
    ("en", "Pay the maid when you arrive, not the girl. Escort house Leeds, £120/hr."),
    ("en", "My brother drives me and waits outside in the car. Outcall escort Luton, £150/hr."),
    ("en", "Ring the bell, whichever of the girls is available will see you. Massage Hull, £80."),
    ("nl", "Mijn broer brengt me en wacht buiten in de auto. Escort Venlo, 150 per uur."),
    ("nl", "Afrekenen aan de bar, niet bij de dames. Privéhuis Breda, 100 per half uur."),
    ("de", "Bezahlt wird bei der Hausdame, nicht bei den Damen. Laufhaus Kassel, 100 €/30 Min."),
    ("de", "Mein Cousin fährt mich und wartet unten im Auto. Escort Gera, 150 €/Std."),
    ("ro", "Banii îi dai la intrare, nu fetelor. Apartament cu fete, Ploiești, 300 lei ora."),
    ("ro", "Fratele meu mă duce la hotel și așteaptă jos. Escortă Galați, 400 lei ora."),
]


@pytest.mark.parametrize(("lang", "text"), THIRD_PARTY)
def test_someone_else_takes_the_money_or_drives(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" in categories(engine, text, lang)


UNSAFE = [
    ("en", "Condoms aren't needed with me. Escort Derby, incall, £150/hr."),
    ("en", "Boundaries I don't have, and I seldom say no. Escort Bath, £160/hr."),
    ("en", "BB on request. Escort Hull, incall, £150/hr."),
    ("nl", "Bij mij hoeft een condoom niet per se. Escort Zwolle, 150 per uur."),
    ("nl", "Taboes ken ik echt niet, nee zeg ik bijna nooit. Escort Ede, 150 per uur."),
    ("de", "Einen Gummi brauchst du bei mir nicht. Escort Ulm, 150 €/Std."),
    ("de", "Nein sage ich fast nie. Escort Bonn, 150 €/Std., Hausbesuche."),
    ("ro", "Nu e nevoie de prezervativ la mine. Escortă Brăila, 400 lei ora."),
    ("ro", "Tabuuri nu am, rar zic nu. Escortă Pitești, 400 lei ora."),
]


@pytest.mark.parametrize(("lang", "text"), UNSAFE)
def test_unprotected_said_obliquely(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "unsafe_services" in categories(engine, text, lang)


BLOCKED = [
    ("en", "Anyone who asks for bareback is blocked. Escort Derby, incall, £150/hr, GFE."),
    ("nl", "Wie naar onbeschermd vraagt, wordt meteen geblokkeerd. Escort Ede, 150 per uur."),
    ("de", "Wer nach ohne Gummi fragt, wird sofort blockiert. Escort Ulm, 150 €/Std."),
    ("ro", "Cine cere fără prezervativ este blocat imediat. Escortă Arad, 400 lei ora."),
]


@pytest.mark.parametrize(("lang", "text"), BLOCKED)
def test_whoever_asks_is_blocked(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "unsafe_services" not in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Bareback is fine. Time-wasters are blocked. Escort Derby, incall, £150/hr."),
        (
            "nl",
            "Zonder condoom kan ook. Anonieme nummers worden geblokkeerd. Escort Ede, 150/u.",
        ),
        ("de", "Ohne Gummi geht. Unterdrückte Nummern werden blockiert. Escort Ulm, 150 €/Std."),
        (
            "ro",
            "Fără prezervativ se poate. Numerele ascunse sunt blocate. Escortă Arad, 400 lei.",
        ),
    ],
)
def test_blocking_something_else_leaves_the_cue(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "unsafe_services" in categories(engine, text, lang)


def test_if_nothing_comes_up_is_no_unsafe_offer(engine: IndicatorEngine) -> None:
    text = "Wenn nichts dazwischen kommt, bin ich am Montag in Ulm. Escort, 38, 150 €/Std."
    assert "unsafe_services" not in categories(engine, text, "de")
