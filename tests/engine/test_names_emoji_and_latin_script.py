"""Lexicon 2026.12.10: a nationality beside a first name; Bulgarian written in Latin
letters; a negation does not reach across an emoji that ends its sentence; ages of 18-20
in words in idioms ("twintig jaar jong"); someone else books "through her friend";
punters' reviews of a flat or club.

Each kind is checked both ways: the ad that says it flags, and an ad with the same words
that is negated, ordinary or about someone older does not.
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

# ------------------------------------------------- origin: a nationality and a first name

NATIONALITY_AND_NAME = [
    ("en", "Bulgarian Vanya now in Coventry, incall, 07423 770 981."),
    ("en", "Bia, Brazilian, curvy and fun. Incall in Glasgow, 07455 902 716."),
    ("hu", "Román Andreea, 26, Debrecenben fogadok. +36 30 418 2277"),
    ("de", "Rumänische Ana, 24, Hausbesuche in Köln. 0151 2345678"),
    ("pl", "Ukraińska Oksana, 25, przyjmuję u siebie w Gdańsku. 600 123 456"),
    ("ro", "Bulgară Ralitsa, 27, primesc la mine în Cluj. 0740 123 456"),
    ("bg", "Румънска Ана, 24, приемам при мен в Пловдив. 0888 123 456"),
]


@pytest.mark.parametrize(("lang", "text"), NATIONALITY_AND_NAME)
def test_a_nationality_beside_a_first_name_is_origin(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "origin" in categories(engine, text, lang)


NATIONALITY_WITHOUT_NAME = [
    # A word of the lexicons, a place or a business's name after it is no first name.
    ("de", "Thai-Massage Studio Baan Thai – Mainz. Keine erotischen Leistungen! 60 Min. 49€."),
    ("en", "Romanian Orthodox Church choir, concert on Sunday, tickets at the door."),
    ("hu", "Masszázs, 60 perc 14 000 Ft. Ha orosz üzenetet tudsz írni, az a legjobb."),
    ("en", "HUNGARIAN GOULASH, fresh every day at our restaurant."),
]


@pytest.mark.parametrize(("lang", "text"), NATIONALITY_WITHOUT_NAME)
def test_a_nationality_beside_no_first_name_is_no_origin(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "origin" not in categories(engine, text, lang)


# ------------------------------------------------------ Bulgarian written in Latin letters

LATIN_BULGARIAN = [
    ("Nova sam v grada, samo dnes! Seks, hotel, 0888 123 456.", "movement"),
    ("Otsednala sam v hotel v centara na Burgas za 3 noshti. Seks, 0884 227 519", "movement"),
    ("Seks bez prezervativ, hotel v Varna. Sia, 33. 0884 227 519", "unsafe_services"),
    ("Ne govorya angliiski, samo balgarski. Seks, hotel, 0888 123 456.", "language_barrier"),
]


@pytest.mark.parametrize(("text", "category"), LATIN_BULGARIAN)
def test_bulgarian_in_latin_letters_flags_like_cyrillic(
    engine: IndicatorEngine, text: str, category: str
) -> None:
    assert category in categories(engine, text, "bg")


@pytest.mark.parametrize(
    "text",
    [
        "Ne sam nova v grada, zhiveya tuk ot 6 godini. Seks samo s prezervativ, hotel.",
        "Nikoga bez prezervativ! Seks, hotel v Varna, 0888 123 456.",
    ],
)
def test_bulgarian_in_latin_letters_is_negated_like_cyrillic(
    engine: IndicatorEngine, text: str
) -> None:
    assert categories(engine, text, "bg") == []


def test_latin_spellings_of_bulgarian_words_count_in_bulgarian_ads_only(
    engine: IndicatorEngine,
) -> None:
    # "но" (but) is "no" in Latin letters: it must not end an English negation's scope.
    assert categories(engine, "Independent, no agency or 'manager', incall, GFE.", "en") == []


# ------------------------------------------------------------- negation and an emoji


def test_a_negation_does_not_reach_across_an_emoji_that_ends_its_sentence(
    engine: IndicatorEngine,
) -> None:
    text = (
        "Hoi! Sanne hier, mijn eerste week in Zwolle en ik ken de stad nog niet eens 🙈 "
        "Ontvangst in een rustig appartement."
    )
    analysis = engine.analyse("", text, lang="nl")
    assert analysis.context.service
    assert "movement" in analysis.categories


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Incall, GFE, 150/h. No 🚫 Bareback, never."),
        ("en", "Incall, GFE, 150/h. NO 🚫 BAREBACK."),
        ("nl", "Escort, privé ontvangst. Niet nieuw 🙈 in de stad, ik woon hier al jaren."),
    ],
)
def test_a_negation_right_before_an_emoji_still_negates(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert categories(engine, text, lang) == []


# --------------------------------------------- youth: ages of 18-20 in words in idioms


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Lara hier 😘 twintig jaar jong, privé ontvangst in Den Haag."),
        ("en", "Lara here, twenty years young, incall in Leeds, GFE."),
        ("de", "Lara, zwanzig Jahre jung, Hausbesuche und Escort."),
        ("es", "Lara, veinte años joven y sexy, escort, hotel."),
    ],
)
def test_an_age_of_18_to_20_in_words_in_an_idiom_is_youth(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Mia, forty years young, sexy, incall, GFE."),
        ("nl", "Mia, veertig jaar jong, sexy, privé ontvangst."),
        ("es", "Mia, cuarenta años joven y sexy, escort, hotel."),
    ],
)
def test_an_older_age_in_the_same_idiom_stays_set_aside(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" not in categories(engine, text, lang)


# ---------------------------------------- third_party: booked through a named relation

THROUGH_SOMEONE_ELSE = [
    ("nl", "Spreekt alleen Roemeens. Afspraken via haar vriendin: 06-12345678.", True),
    ("de", "Nur Rumänisch. Termine über ihre Freundin, 0151 2345678.", True),
    ("en", "Only Romanian. Appointments via her boyfriend, 07700 900123.", True),
    ("ro", "Nu știe română. Programări prin prietena ei: 0740 123 456.", True),
    ("bg", "Не говори английски. Срещите урежда приятелката ѝ. 0888 123 456.", True),
    ("hu", "Nem beszél magyarul. Időpont a barátnőjén keresztül: 06 30 123 4567.", True),
    ("pl", "Nie mówi po polsku. Spotkania przez jej koleżankę: 600 123 456.", True),
    ("es", "No habla español, las citas las gestiona su amiga. 600 123 456.", True),
    # Denied: the advertised person books herself.
    ("nl", "Ik spreek Nederlands en Engels. Afspraken via mij, niet via haar vriendin.", False),
    ("es", "Hablo español. Las citas las gestiono yo, no a través de su amiga.", False),
]


@pytest.mark.parametrize(("lang", "text", "barrier_and_booking"), THROUGH_SOMEONE_ELSE)
def test_booking_through_a_relation_is_third_party_unless_denied(
    engine: IndicatorEngine, lang: str, text: str, barrier_and_booking: bool
) -> None:
    expected = ["language_barrier", "third_party"] if barrier_and_booking else []
    assert categories(engine, text, lang) == expected


# ----------------------------------------------------- a punter's review of a flat


def test_a_punters_review_of_a_flat_is_in_context(engine: IndicatorEngine) -> None:
    text = (
        "Went last week. Two girls working out of the flat, both friendly enough. "
        "There's a guy in a black Audi outside who takes the cash first. Number I used "
        "was 07700 900473."
    )
    assert "third_party" in categories(engine, text, "en")


def test_a_review_of_a_rented_flat_is_no_ad(engine: IndicatorEngine) -> None:
    text = (
        "Review: rented the flat on Harehills Lane for a year. Landlord fine, bills "
        "included, the two students next door were quiet. Deposit returned."
    )
    assert categories(engine, text, "en") == []
