"""Negation (engine): a post trigger that belongs to another indicator refuses nothing
("új a városban 🔥 korlátok nélkül": the "nélkül" is the unsafe service's, not a refusal
of the newcomer). A post trigger of its own still refuses.

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories


def test_a_post_trigger_inside_another_indicator_refuses_nothing(
    engine: IndicatorEngine,
) -> None:
    text = "Új a városban 🔥 korlátok nélkül. Szex, Kaposvár, 25e/óra."
    assert {"movement", "unsafe_services"} <= set(categories(engine, text, "hu"))


def test_a_post_trigger_of_its_own_still_refuses(engine: IndicatorEngine) -> None:
    text = "Ügynökség? Nem, egyedül dolgozom. Szex, Kaposvár, 25e/óra."
    assert "third_party" not in categories(engine, text, "hu")
