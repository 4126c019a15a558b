"""Phone numbers never survive redaction in plain text, whatever is written around them.

Prices, ages, room numbers and "24/7" are often written right next to a number; none of
them may make the number stay in plain text, change its pseudonym, or be eaten with it.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from pipelines.engine import contacts
from pipelines.engine.contacts import PHONE, extract_contacts
from pipelines.engine.pseudonyms import Pseudonymizer

KEY = bytes(range(32))

PREFIXES = (
    "",
    "Bel ",
    "tel: ",
    "150 euro ",
    "30 min 80 ",
    "1 uur 150 ",
    "Prijs 150 ",
    "Leeftijd 21 ",
    "ik ben 19 jaar ",
    "24/7 ",
    "Kamer 12 ",
    "€150 ",
    "1u 150 € ",
    "06 ",
)
PHONES = (
    "0612345678",
    "06-12345678",
    "06 12345678",
    "06 1234 5678",
    "+31612345678",
    "+31 6 12345678",
    "0031612345678",
    "06.12.34.56.78",
)
SUFFIXES = (
    "",
    " 24/7",
    " 24 uur",
    " 12",
    " 150",
    " (ook whatsapp)",
    " 1 uur 150",
    " 7 dagen per week",
    " 20-24 uur",
    " 2x",
    " 100%",
)
_TOKEN = re.compile(r"\[phone:[0-9a-f]{8}\]")


@pytest.fixture
def pseudonymizer() -> Pseudonymizer:
    return Pseudonymizer(KEY, "k-test")


def test_phone_between_prices_ages_and_hours_gets_its_own_token_and_nothing_else(
    pseudonymizer: Pseudonymizer,
) -> None:
    token = pseudonymizer.token(PHONE, "+31612345678")
    failures = []
    for prefix, phone, suffix in itertools.product(PREFIXES, PHONES, SUFFIXES):
        redacted, _ = pseudonymizer.redact(prefix + phone + suffix, "NL")
        if redacted != prefix + token + suffix:
            failures.append((prefix + phone + suffix, redacted))
    assert failures == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prijs 150 06 1234 5678", "Prijs 150 {t}"),
        ("Leeftijd 21 06 12345678", "Leeftijd 21 {t}"),
        ("Bel 06 1234 5678 150", "Bel {t} 150"),
        ("€150 06.12.34.56.78", "€150 {t}"),
        ("Bel 0612345678 24/7 beschikbaar", "Bel {t} 24/7 beschikbaar"),
        ("Nieuw! 0612345678 24 uur per dag", "Nieuw! {t} 24 uur per dag"),
        ("0612345678 24/7 06-1234 5678", "{t} 24/7 {t}"),
        ("kamer 3, 0612345678", "kamer 3, {t}"),
    ],
)
def test_number_next_to_other_numbers_is_redacted_with_its_usual_pseudonym(
    pseudonymizer: Pseudonymizer, text: str, expected: str
) -> None:
    token = pseudonymizer.token(PHONE, "+31612345678")
    assert pseudonymizer.redact(text, "NL")[0] == expected.format(t=token)


def test_two_numbers_side_by_side_are_two_contacts(pseudonymizer: Pseudonymizer) -> None:
    redacted, contacts = pseudonymizer.redact("0612345678 0687654321", "NL")
    assert redacted == (
        f"{pseudonymizer.token(PHONE, '+31612345678')} {pseudonymizer.token(PHONE, '+31687654321')}"
    )
    assert len(contacts) == 2


@pytest.mark.parametrize(
    "text",
    [
        "bel 1234 5678 90",  # no valid or possible number: still eight digits and more
        "code 1234-5678",
        "app 12.34.56.78.90.12",
        "O6-12345678",  # a letter O for the zero
        "06_12_34_56_78",
    ],
)
def test_long_run_of_digits_that_is_no_known_number_is_redacted_all_the_same(
    pseudonymizer: Pseudonymizer, text: str
) -> None:
    redacted, contacts = pseudonymizer.redact(text, "NL")
    assert sum(ch.isdigit() for ch in _TOKEN.sub("", redacted)) < 3
    assert [c["kind"] for c in contacts] == [PHONE]


def test_fail_closed_redaction_gives_the_same_pseudonym_as_a_parsed_number(
    pseudonymizer: Pseudonymizer,
) -> None:
    # 8 digits after the trunk prefix: possible, not valid, no contact cue before it.
    first, _ = pseudonymizer.redact("zie 0 1234 5678", "NL")
    second, _ = pseudonymizer.redact("zie ook 0-1234-5678!", "NL")
    assert _TOKEN.findall(first) == _TOKEN.findall(second) != []


@pytest.mark.parametrize(
    "text",
    [
        "posted 2024-11-20, open 10:00-22:00",
        "beschikbaar vanaf 20.11.2026 tot 27/11/2026",
        "150€/u, 19 jaar, 24/7",
        "1 uur 150 2 uur 280 nacht 1000",
        "Mon–Fri 12–20. 200/h.",
    ],
)
def test_dates_prices_and_hours_are_not_redacted(pseudonymizer: Pseudonymizer, text: str) -> None:
    assert pseudonymizer.redact(text, "NL") == (text, [])


def test_phone_after_a_very_long_text_full_of_numbers_is_still_found() -> None:
    # More candidate numbers than phonenumbers' matcher tries by default (65,535).
    text = " ".join(f"kamer {i % 90 + 10} prijs {i % 200 + 20} euro" for i in range(35_000))
    text += " bel 0612345678"
    contacts = extract_contacts(text, "NL")
    assert [(c.kind, c.value) for c in contacts] == [(PHONE, "+31612345678")]


# -- the choice of windows: bounds read fewer numbers, choose the same ---------------------


def _runs(text: str) -> list[list[contacts._Group]]:
    return list(contacts._digit_runs(contacts._masked_for_phones(text)))


def _random_runs(count: int) -> list[str]:
    rnd = random.Random(20261208)
    separators = [" ", "-", ".", " / ", "(", ")", "+", "0", "+31 ", "06", ", ", " tel "]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rnd.randint(1, 9)):
            parts.append(rnd.choice(separators))
            parts.append("".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 6))))
        texts.append("".join(parts))
    return texts


@pytest.mark.parametrize("region", ["NL", "BG"])
@pytest.mark.parametrize(
    ("contact_field", "identifier"), [(False, False), (True, False), (False, True)]
)
def test_windows_chosen_with_bounds_are_those_of_reading_every_window(
    region: str, contact_field: bool, identifier: bool
) -> None:
    texts = [
        "Bel 06-3951 2274 of +359 887 306 142",
        "Anna 23, 150 euro, 06 12345678 06 87654321",
        "+44 7567 076013, 0151 2345 6789, 1234 5678",
        "(06) 12345678 / 020-1234567 - 0031 6 1234 5678",
        *_random_runs(1500),
    ]
    for text in texts:
        for run in _runs(text):
            args = (text, run, region, contact_field, identifier)
            pruned = contacts._Windows(*args).best(0)[1]
            assert pruned == contacts._best_windows(*args), text


def test_a_plain_number_reads_one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[tuple[int, int]] = []
    window = contacts._window

    def counted(text: str, first: contacts._Group, last: contacts._Group, *args: object) -> object:
        read.append((first.start, last.end))
        return window(text, first, last, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(contacts, "_window", counted)
    found = extract_contacts("Bel me: 06-3951 2274")
    assert [c.value for c in found] == ["+31639512274"]
    # Reading every window reads "06-3951", "3951 2274" and the whole number.
    assert read == [(8, 20)]


def test_a_run_of_many_groups_reads_every_window_in_linear_time() -> None:
    groups = contacts._MAX_PRUNED_GROUPS + 40
    text = "tel " + " ".join(["06 1234 5678"] * (groups // 3 + 1))
    found = [c for c in extract_contacts(text) if c.kind == PHONE]
    assert found and all(c.value == "+31612345678" for c in found)
