"""Someone else decides or takes the deposit on his account (third_party), protection only
if the client insists (unsafe_services), the homeland named (origin); with the refusals
and ordinary senses that stay out.

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

FLAGGED = [
    ("en", "Talk to my husband first, he decides. Escort Leeds, £150/hr.", "third_party"),
    ("en", "Pay the deposit into my boyfriend's account. Escort Leeds, £150/hr.", "third_party"),
    ("nl", "Eerst even bellen met mijn man, hij beslist. Escort Ede, 150 per uur.", "third_party"),
    ("nl", "Voorschot op de rekening van mijn neef. Escort Ede, 150 per uur.", "third_party"),
    ("de", "Zuerst mit meinem Freund sprechen, er entscheidet. Escort Ulm, 150 €.", "third_party"),
    ("de", "Vorkasse auf das Konto meines Bruders. Escort Ulm, 150 €/Std.", "third_party"),
    ("ro", "Vorbește întâi cu iubitul meu, el decide. Escortă Cluj, 400 lei ora.", "third_party"),
    ("ro", "Avansul pe cardul fratelui meu. Escortă Cluj, 400 lei ora.", "third_party"),
    ("en", "Protection only if you really want. Escort Leeds, £150/hr.", "unsafe_services"),
    ("nl", "Condoom? Alleen als je erom vraagt. Escort Ede, 150 per uur.", "unsafe_services"),
    ("de", "Kondom nur wenn du drauf bestehst. Escort Ulm, 150 €/Std.", "unsafe_services"),
    ("ro", "Protecție? Doar dacă ții neapărat. Escortă Cluj, 400 lei ora.", "unsafe_services"),
    ("en", "Her home country is Ukraine, now in Leeds. Escort, £150/hr.", "origin"),
    ("nl", "Haar geboorteland is Roemenië, nu in Ede. Escort, 150 per uur.", "origin"),
    ("de", "Ihre Heimat ist Bulgarien, jetzt in Ulm. Escort, 150 €/Std.", "origin"),
    ("ro", "Patria mea e Ucraina, acum în Cluj. Escortă, 400 lei ora.", "origin"),
]


@pytest.mark.parametrize(("lang", "text", "category"), FLAGGED)
def test_said_obliquely(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category in categories(engine, text, lang)


SET_ASIDE = [
    (
        "en",
        "Independent. My boyfriend decides nothing, I do. Escort Leeds, £150/hr.",
        "third_party",
    ),
    ("en", "Protection? Always, even if you insist. Escort Leeds, £150/hr.", "unsafe_services"),
    (
        "de",
        "Gummi immer, auch wenn du darauf bestehst ohne. Escort Ulm, 150 €/Std.",
        "unsafe_services",
    ),
]


@pytest.mark.parametrize(("lang", "text", "category"), SET_ASIDE)
def test_refused_or_otherwise_meant(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category not in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text", "category"),
    [
        ("en", "Kira, Luton. Natural with regulars, just ask. Escort, £150/hr.", "unsafe_services"),
        ("nl", "Naturel voor vaste heren. Escort Ede, 150 per uur.", "unsafe_services"),
        ("de", "Ohne für Stammkunden. Escort Ulm, 150 €/Std.", "unsafe_services"),
        ("ro", "Natural pentru clienții vechi. Escortă Cluj, 400 lei ora.", "unsafe_services"),
        ("de", "Für die Damen Mike anrufen, er nennt dir die Uhrzeit. Dortmund.", "third_party"),
    ],
)
def test_for_regulars_and_he_tells_the_time(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category in categories(engine, text, lang)


def test_of_course_for_regulars_is_no_unsafe_offer(engine: IndicatorEngine) -> None:
    text = "Natürlich für Stammkunden gibt es Rabatt. Escort Ulm, 150 €/Std., immer mit Gummi."
    assert "unsafe_services" not in categories(engine, text, "de")
