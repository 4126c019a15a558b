"""Stated age, price and the running-median price tracker."""

from __future__ import annotations

import pytest

from pipelines.engine.extract import (
    PriceTracker,
    find_ages,
    find_price,
    parse_age_text,
    parse_price_text,
)
from pipelines.engine.normalize import normalize


def _ages(text: str) -> list[int]:
    return [a.age for a in find_ages(normalize(text))]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("Sanne, 19 jaar jong", 19),
        ("Hey I'm Chloe, 19 y/o", 19),
        ("19 y.o. sweet girl", 19),
        ("19yo", 19),
        ("Jonge Sanne (19) pas in Groningen", 19),
        ("Chloe, 19 – day or night", 19),
        ("Nicol, 20, neu in Stuttgart", 20),
        ("20 J. jung", 20),
        ("Begleiterinnen 18–20 J.", 20),
        ("Dóra, 19 Jahre alt", 19),
        ("Alexia, 19 ani", 19),
        ("o tânără româncă de 20 de ani", 20),
        ("Ели, на 19 години", 19),
        ("Вики, 20 г. – по всяко време", 20),
        ("Vivi vagyok, 19 éves", 19),
        ("Kasia, 19 lat", 19),
        ("latina de 19 años", 19),
        ("age: 21", 21),
        ("I am 23 and fun", 23),
    ],
)
def test_stated_age_is_read_in_every_language(text: str, age: int) -> None:
    assert _ages(text)[0] == age


@pytest.mark.parametrize(
    "text",
    [
        "bike 3 years old",
        "Mountainbike, 20 Jahre alt, wenig gefahren",
        "our cat is 19 years old",
        "al 20 jaar ervaring in het vak",
        "for 20 years in this business",
        "seit 20 Jahren selbstständig",
        "20 years ago",
        "Calle Mayor, 19, 2º izquierda",
        "18+ only",
        "(18+)",
        "6 éves, ivartalanított",
        "Bo (8 yrs) ran off",
        "open 24/7, 0-24",
    ],
)
def test_ages_of_objects_durations_and_minors_are_not_stated_ages(text: str) -> None:
    assert _ages(text) == []


@pytest.mark.parametrize(
    ("value", "age"),
    [("19", 19), ("19 jaar", 19), (19, 19), ("17", None), ("", None), (None, None)],
)
def test_age_field_is_parsed(value: str | int | None, age: int | None) -> None:
    assert parse_age_text(value) == age


@pytest.mark.parametrize(
    ("text", "amount", "currency", "per_hours"),
    [
        ("150€/u", 150.0, "EUR", 1.0),
        ("100 euro half uur", 100.0, "EUR", 0.5),
        ("150/h, 250/2h", 150.0, "EUR", 1.0),
        ("30 Min 80€, 1 Std 150€", 80.0, "EUR", 0.5),
        ("100€ halbe Std.", 100.0, "EUR", 0.5),
        ("300 lei/oră", 300.0, "RON", 1.0),
        ("200 лв/час", 200.0, "BGN", 1.0),
        ("25 000 Ft/óra", 25000.0, "HUF", 1.0),
        ("6000 Ft/60 perc", 6000.0, "HUF", 1.0),
        ("300 zł/h", 300.0, "PLN", 1.0),
        ("100€ la hora", 100.0, "EUR", 1.0),
        ("70€ media hora", 70.0, "EUR", 0.5),
        ("£120 per hour", 120.0, "GBP", 1.0),
        ("13,50€/Std.", 13.5, "EUR", 1.0),
        ("Vanaf 90 euro", 90.0, "EUR", None),
    ],
)
def test_price_amount_currency_and_duration(
    text: str, amount: float, currency: str, per_hours: float | None
) -> None:
    price = find_price(normalize(text))
    assert price is not None
    assert (price.amount, price.currency, price.per_hours) == (amount, currency, per_hours)


def test_price_offsets_point_into_the_original_text() -> None:
    text = "Bel me 😘 voor 150€/u!"
    price = find_price(normalize(text))
    assert price is not None
    assert text[price.start : price.end] == "150€/u"


@pytest.mark.parametrize("text", ["24/7 en 0-24", "Bel 06-3388 1720", "open 10-18 u"])
def test_numbers_that_are_not_prices_are_ignored(text: str) -> None:
    assert find_price(normalize(text)) is None


def test_price_field_is_parsed_with_a_bare_number_as_amount() -> None:
    price = parse_price_text("150")
    assert price is not None
    assert (price.amount, price.currency, price.per_hours) == (150.0, "EUR", None)


def test_hourly_price_is_converted_to_euro() -> None:
    price = find_price(normalize("100 lei/30 min"))
    assert price is not None
    assert price.hourly_eur({"RON": 0.2}) == pytest.approx(40.0)


def test_tracker_flags_a_price_far_below_the_running_median_of_its_source() -> None:
    tracker = PriceTracker(factor=0.5, min_samples=5)
    for value in (150, 160, 140, 150, 155):
        assert tracker.observe("site-a", value) is False
    assert tracker.median("site-a") == 150
    assert tracker.observe("site-a", 60) is True
    assert tracker.observe("site-a", 100) is False
    # Another source has its own median and no samples yet.
    assert tracker.observe("site-b", 10) is False


def test_tracker_needs_the_minimum_sample_size() -> None:
    tracker = PriceTracker(factor=0.5, min_samples=10)
    for value in (150, 150, 150):
        tracker.observe("s", value)
    assert tracker.observe("s", 10) is False


def test_tracker_keeps_only_the_most_recent_prices() -> None:
    tracker = PriceTracker(factor=0.5, min_samples=1, max_samples=3)
    for value in (10, 10, 10, 200, 200, 200):
        tracker.observe("s", value)
    assert tracker.samples("s") == 3
    assert tracker.median("s") == 200
