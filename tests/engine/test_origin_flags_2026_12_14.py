"""A country flag emoji of a country the women of these ads come from foregrounds an
origin ("Réka 🇭🇺", "Bianca 🇧🇷"); not a flag that stands for a language spoken or for
the country an ad is posted in, nor the flag of the ad language's own country.

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import FLAG_RULE, IndicatorEngine
from tests.support.engine import categories


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Lieve Daria 🇺🇦 in Zwolle, slank en lief. Escort, 150 per uur."),
        ("en", "Samba queen Luana 🇧🇷, incall Leeds, £150/hr."),
        ("de", "Kira 🇲🇩, 25, Escort in Kassel, 150 €/Std., Hotelbesuche."),
        ("ro", "Valentina 🇨🇴, 27, escortă în Cluj, 400 lei ora."),
    ],
)
def test_a_foreign_flag_is_origin(engine: IndicatorEngine, lang: str, text: str) -> None:
    analysis = engine.analyse("", text, lang=lang)
    assert "origin" in analysis.categories
    flag = [i for i in analysis.indicators if i.rule == FLAG_RULE]
    assert flag and text[flag[0].evidence.start : flag[0].evidence.end] in text


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        # Languages spoken, shown as flags.
        ("nl", "Escort Zwolle, ik spreek 🇳🇱 🇬🇧 🇩🇪, 150 per uur, ontvangst."),
        # The country the ad is posted in.
        ("en", "Escort touring 🇬🇷 Athens, incall, 150 euro per hour."),
        # The ad language's own country.
        ("ro", "Escortă în Cluj 🇷🇴, 30 de ani, 400 lei ora."),
    ],
)
def test_other_flags_are_no_origin(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "origin" not in categories(engine, text, lang)


def test_no_origin_when_the_policy_forbids_it(engine: IndicatorEngine) -> None:
    text = "Samba queen Luana 🇧🇷, incall Leeds, £150/hr."
    assert "origin" not in engine.analyse("", text, lang="en", derive_origin=False).categories


def test_a_flag_alone_does_not_make_an_ordinary_ad_a_hit(engine: IndicatorEngine) -> None:
    text = "Bulgarian restaurant 🇧🇬 opens in Leeds: lunch menu £12, families welcome."
    assert engine.analyse("", text, lang="en").hit is False


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Thai-Massage 🇹🇭 traditionell, keine Erotik, 50 € pro Stunde. Ulm."),
        ("en", "Polish deli 🇵🇱 in Leeds: pierogi and bread, open 8-20, call to order."),
    ],
)
def test_a_flag_is_no_cue_of_the_service_context(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    analysis = engine.analyse("", text, lang=lang)
    assert analysis.hit is False
    assert analysis.categories == []
