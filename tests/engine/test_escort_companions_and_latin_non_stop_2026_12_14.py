"""Ad context (hu): ladies for escorting ("hölgyek kísérethez", "kísérőhölgy") offer an
escort service. availability_24_7 (bg): working non-stop written in Latin letters in a
Cyrillic ad ("Работя non-stop").

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories


@pytest.mark.parametrize(
    "text",
    [
        "Hölgyek kísérethez, a menedzserünk egyeztet és küldi a címet. Győr, 06 30 000 4444",
        "Kísérőhölgy vacsorához, a díjat a sofőrnek fizeted. Pécs, 06 30 000 4444",
    ],
)
def test_ladies_for_escorting_are_an_escort_service(engine: IndicatorEngine, text: str) -> None:
    assert "third_party" in categories(engine, text, "hu")


def test_an_escort_for_a_tour_group_is_no_hit(engine: IndicatorEngine) -> None:
    text = "Idegenvezető kísérővel, buszos kirándulás Egerbe, a sofőr vár a szállodánál."
    assert categories(engine, text, "hu") == []


@pytest.mark.parametrize(
    "text",
    [
        "Работя non-stop 😘 Секс у мен, Плевен, 100 лв на час.",
        "Работим nonstop, ела при нас 😘 Ескорт, Варна, 150 лв.",
    ],
)
def test_working_non_stop_in_latin_letters_is_round_the_clock(
    engine: IndicatorEngine, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, "bg")
