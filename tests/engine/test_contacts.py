"""Contact extraction: phones in local formats and obfuscations, e-mails, handles."""

from __future__ import annotations

import pytest

from pipelines.engine import contacts as contact_module
from pipelines.engine.contacts import (
    EMAIL,
    HANDLE,
    PHONE,
    extract_contacts,
    extract_from_contact_strings,
    normalise_email,
    normalise_phone,
)


def _found(text: str, region: str | None = "NL") -> list[tuple[str, str, str]]:
    return [(c.kind, c.value, text[c.start : c.end]) for c in extract_contacts(text, region)]


@pytest.mark.parametrize(
    ("region", "written", "e164"),
    [
        # Netherlands
        ("NL", "06-12345678", "+31612345678"),
        ("NL", "06 1234 5678", "+31612345678"),
        ("NL", "06-1234 5678", "+31612345678"),
        ("NL", "+31 6 1234 5678", "+31612345678"),
        ("NL", "0031 6 12345678", "+31612345678"),
        ("NL", "020-1234567", "+31201234567"),
        ("NL", "077-123 4590", "+31771234590"),
        # Great Britain (English ads)
        ("GB", "07700 900123", "+447700900123"),
        ("GB", "+44 7911 123456", "+447911123456"),
        # Germany
        ("DE", "0151 23456789", "+4915123456789"),
        ("DE", "+49 151 2345 6789", "+4915123456789"),
        ("DE", "030 1234567", "+49301234567"),
        ("DE", "0176/12345678", "+4917612345678"),
        # Romania
        ("RO", "0721 234 567", "+40721234567"),
        ("RO", "+40 721 234 567", "+40721234567"),
        ("RO", "0721.234.567", "+40721234567"),
        # Bulgaria
        ("BG", "0888 123 456", "+359888123456"),
        ("BG", "+359 88 812 3456", "+359888123456"),
        # Hungary
        ("HU", "06 30 123 4567", "+36301234567"),
        ("HU", "06-20-123-4567", "+36201234567"),
        ("HU", "+36 30 123 4567", "+36301234567"),
        # Poland
        ("PL", "512 345 678", "+48512345678"),
        ("PL", "+48 512-345-678", "+48512345678"),
        # Spain
        ("ES", "612 34 56 78", "+34612345678"),
        ("ES", "+34 612 345 678", "+34612345678"),
    ],
)
def test_phone_in_local_format_is_found_and_normalised_to_e164(
    region: str, written: str, e164: str
) -> None:
    text = f"Info: {written} (ook WhatsApp)."
    assert _found(text, region) == [(PHONE, e164, written)]


@pytest.mark.parametrize(
    "written",
    [
        "06 - 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0 6 1 2 3 4 5 6 7 8",
        "+31(0)6 12345678",
        "+31 (0)6-1234 5678",
        "0612345678",
    ],
)
def test_obfuscated_dutch_mobile_number_is_found(written: str) -> None:
    assert _found(f"bel me {written} schat", "NL") == [(PHONE, "+31612345678", written)]


def test_number_invalid_for_its_range_still_counts_when_it_is_long_enough() -> None:
    # Invented numbers in unallocated ranges are still someone's contact in an ad.
    assert _found("Bel 06-7730 2419", "NL") == [(PHONE, "+31677302419", "06-7730 2419")]


def test_short_number_counts_after_a_contact_cue() -> None:
    assert _found("Tel: 99/312-445", "HU") == [(PHONE, "+3699312445", "99/312-445")]


@pytest.mark.parametrize(
    "text",
    [
        "160 000 Ft/hó + rezsi",
        "Mon–Fri 12–20. 200/h.",
        "posted 2024-11-20, open 10:00-22:00",
        "150€/u, 19 jaar, 24/7",
    ],
)
def test_prices_dates_and_hours_are_not_phone_numbers(text: str) -> None:
    assert _found(text) == []


def test_unknown_region_falls_back_to_the_default_region() -> None:
    assert _found("bel 06-12345678", None) == [(PHONE, "+31612345678", "06-12345678")]
    assert _found("bel 06-12345678", "XX") == [(PHONE, "+31612345678", "06-12345678")]


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Lisa.V@GMail.com", "lisa.v@gmail.com"),
        ("lisa [at] gmail [dot] com", "lisa@gmail.com"),
        ("lisa(at)gmail(dot)com", "lisa@gmail.com"),
        ("lisa [at] mail.example.nl", "lisa@mail.example.nl"),
        ("lisa at hotmail dot nl", "lisa@hotmail.nl"),
        ("lisa_99 @ web.de", "lisa_99@web.de"),
        ("lisa{at}yahoo{punt}es", "lisa@yahoo.es"),
    ],
)
def test_email_and_its_obfuscations_are_found(written: str, normalised: str) -> None:
    assert _found(f"mail: {written}, groetjes") == [(EMAIL, normalised, written)]


def test_spelled_out_at_in_ordinary_text_is_not_an_email() -> None:
    assert _found("We meet at the station.Then we go home") == []


@pytest.mark.parametrize(
    ("text", "written", "value", "service"),
    [
        ("app me: https://wa.me/31612345678", "https://wa.me/31612345678", "+31612345678", None),
        ("Telegram: https://t.me/Lisa_Sweet", "https://t.me/Lisa_Sweet", "lisa_sweet", "telegram"),
        ("telegram: @Lisa_Sweet", "@Lisa_Sweet", "lisa_sweet", "telegram"),
        ("snap/insta: @sweet.lisa", "@sweet.lisa", "sweet.lisa", "snapchat"),
        ("insta @Lisa.NL", "@Lisa.NL", "lisa.nl", "instagram"),
        ("kik: lisa99", "lisa99", "lisa99", "kik"),
        ("www.instagram.com/lisa.x/", "www.instagram.com/lisa.x/", "lisa.x", "instagram"),
        ("snapchat.com/add/lisa-x", "snapchat.com/add/lisa-x", "lisa-x", "snapchat"),
    ],
)
def test_messenger_links_and_handles_are_found(
    text: str, written: str, value: str, service: str | None
) -> None:
    contacts = extract_contacts(text, "NL")
    assert [(c.value, text[c.start : c.end]) for c in contacts] == [(value, written)]
    if service is not None:
        assert contacts[0].kind == HANDLE
        assert contacts[0].service == service
    else:
        assert contacts[0].kind == PHONE
        assert contacts[0].service == "whatsapp"


def test_whatsapp_mention_with_a_number_is_a_phone() -> None:
    assert _found("whatsapp: +31 6 1234 5678") == [(PHONE, "+31612345678", "+31 6 1234 5678")]


@pytest.mark.parametrize("text", ["Telegram only, snap me", "instagram is fun", "@ Amsterdam"])
def test_service_names_without_a_handle_are_not_contacts(text: str) -> None:
    assert _found(text) == []


def test_link_wins_over_the_number_inside_it() -> None:
    text = "https://wa.me/31612345678?text=hoi."
    contacts = extract_contacts(text, "NL")
    assert len(contacts) == 1
    assert text[contacts[0].start : contacts[0].end] == "https://wa.me/31612345678?text=hoi"


def test_every_occurrence_is_found_in_text_order() -> None:
    text = "Bel 06-12345678 of 06 1234 5678, mail lisa@example.com of 0612345678"
    assert [c.kind for c in extract_contacts(text, "NL")] == [PHONE, PHONE, EMAIL, PHONE]


def test_existing_tokens_are_left_alone() -> None:
    assert _found("bel [phone:12345678] of mail [email:0a1b2c3d]") == []


def test_contact_strings_accept_any_possible_number() -> None:
    found = extract_from_contact_strings(
        ["tel:+31612345678", "mailto:Lisa@Example.com", "https://t.me/lisa", "20 12 34"], "NL"
    )
    assert [[(c.kind, c.value) for c in contacts] for contacts in found] == [
        [(PHONE, "+31612345678")],
        [(EMAIL, "lisa@example.com")],
        [(HANDLE, "lisa")],
        [(PHONE, "+31201234")],
    ]


def test_normalisers_are_idempotent() -> None:
    assert normalise_email(normalise_email("Lisa [at] Example [dot] COM")) == "lisa@example.com"
    assert normalise_phone("+31612345678") == "+31612345678"
    assert normalise_phone("not a number") is None


def test_a_foreign_number_in_a_contact_field_is_one_number_not_two_halves() -> None:
    found = extract_contacts("+44 7567 076013", "NL", contact_field=True)
    assert [(c.kind, c.value) for c in found] == [(PHONE, "+447567076013")]


def test_cached_readings_keep_each_region_apart() -> None:
    # The same digits read as a number of one region and not of another: the cache of
    # readings is keyed by region, and a reading from the cache equals a fresh one.
    text = "bel 06 12 34 56 78 of 0151 2345 6789"
    fresh = {}
    for region in ("NL", "DE"):
        contact_module._reading.cache_clear()
        fresh[region] = extract_contacts(text, region)
    assert fresh["NL"] != fresh["DE"]
    for region in ("NL", "DE", "NL", "DE"):
        assert extract_contacts(text, region) == fresh[region]
    assert contact_module._reading.cache_info().hits > 0
