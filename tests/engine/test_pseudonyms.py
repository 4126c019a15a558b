"""Pseudonyms: keyed HMAC, tokens in text, item processing and key loading."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from pathlib import Path

import pytest

from pipelines.engine.pseudonyms import (
    DEMO_KEY_ID,
    Pseudonymizer,
    PseudonymKeyError,
    load_key,
    pseudonymize_item,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@pytest.fixture
def pseudonymizer() -> Pseudonymizer:
    return Pseudonymizer(KEY, "k-test")


def test_pseudonym_is_hmac_sha256_over_kind_and_value(pseudonymizer: Pseudonymizer) -> None:
    expected = hmac.new(KEY, b"phone:+31612345678", hashlib.sha256).hexdigest()
    assert pseudonymizer.pseudonym("phone", "+31612345678") == expected


def test_pseudonym_depends_on_the_key() -> None:
    one = Pseudonymizer(KEY, "a").pseudonym("phone", "+31612345678")
    other = Pseudonymizer(OTHER_KEY, "b").pseudonym("phone", "+31612345678")
    assert one != other
    assert one != hashlib.sha256(b"phone:+31612345678").hexdigest()


def test_pseudonym_depends_on_the_kind(pseudonymizer: Pseudonymizer) -> None:
    assert pseudonymizer.pseudonym("handle", "lisa") != pseudonymizer.pseudonym("email", "lisa")


@pytest.mark.parametrize(
    ("kind", "spelling", "canonical"),
    [
        ("email", "Lisa@Example.COM", "lisa@example.com"),
        ("handle", "@Lisa_Sweet", "lisa_sweet"),
    ],
)
def test_pseudonym_of_a_spelling_equals_that_of_the_normalised_value(
    pseudonymizer: Pseudonymizer, kind: str, spelling: str, canonical: str
) -> None:
    assert pseudonymizer.pseudonym(kind, spelling) == pseudonymizer.pseudonym(kind, canonical)


def test_unknown_kind_is_rejected(pseudonymizer: Pseudonymizer) -> None:
    with pytest.raises(ValueError, match="kind"):
        pseudonymizer.pseudonym("address", "Main Street 1")


def test_short_key_is_rejected() -> None:
    with pytest.raises(PseudonymKeyError, match="32 bytes"):
        Pseudonymizer(b"too short", "k")


def test_key_does_not_appear_in_the_repr(pseudonymizer: Pseudonymizer) -> None:
    assert KEY.hex() not in repr(pseudonymizer)
    assert "k-test" in repr(pseudonymizer)


def test_redact_replaces_every_occurrence_by_its_token(pseudonymizer: Pseudonymizer) -> None:
    text = "Bel 06-12345678 of 06 1234 5678, mail Lisa@Example.com, telegram: @lisa_x"
    redacted, contacts = pseudonymizer.redact(text, "NL")
    phone = pseudonymizer.pseudonym("phone", "+31612345678")
    email = pseudonymizer.pseudonym("email", "lisa@example.com")
    handle = pseudonymizer.pseudonym("handle", "lisa_x")
    assert redacted == (
        f"Bel [phone:{phone[:8]}] of [phone:{phone[:8]}], mail [email:{email[:8]}], "
        f"telegram: [handle:{handle[:8]}]"
    )
    assert contacts == [
        {"kind": "phone", "pseudonym": phone, "key_id": "k-test"},
        {"kind": "email", "pseudonym": email, "key_id": "k-test"},
        {"kind": "handle", "pseudonym": handle, "key_id": "k-test"},
    ]


def test_redacting_redacted_text_changes_nothing(pseudonymizer: Pseudonymizer) -> None:
    once, _ = pseudonymizer.redact("Bel 06-12345678 of mail lisa@example.com", "NL")
    assert pseudonymizer.redact(once, "NL") == (once, [])


def test_text_without_contacts_is_returned_unchanged(pseudonymizer: Pseudonymizer) -> None:
    assert pseudonymizer.redact("Fiets te koop, 150 euro", "NL") == ("Fiets te koop, 150 euro", [])


def _item() -> dict[str, object]:
    return {
        "source": "demo",
        "source_ad_id": "ad-1",
        "title": "Nieuw in Utrecht, bel 06-12345678",
        "text": "Alleen deze week. App 06 1234 5678 of https://t.me/lisa_x",
        "city": "Utrecht",
        "contacts_raw": [
            "tel:+31612345678",
            "mailto:lisa@example.com",
            "https://wa.me/491512345678",
        ],
        "source_country": "NL",
    }


def test_item_contacts_are_pseudonymised_and_raw_contacts_removed(
    pseudonymizer: Pseudonymizer,
) -> None:
    item = _item()
    contacts = pseudonymize_item(item, pseudonymizer)
    assert "contacts_raw" not in item
    assert "06" not in str(item["title"]) + str(item["text"])
    assert "lisa_x" not in str(item["text"])
    assert [c["kind"] for c in contacts] == ["phone", "handle", "email", "phone"]
    assert item["contacts"] == contacts
    assert item["contact_pseudonyms"] == [c["pseudonym"] for c in contacts]
    assert item["city"] == "Utrecht"


def test_item_phone_region_comes_from_the_source_country(pseudonymizer: Pseudonymizer) -> None:
    item = {"title": "Sună 0721 234 567", "text": "", "source_country": "RO"}
    pseudonymize_item(item, pseudonymizer)
    assert item["contact_pseudonyms"] == [pseudonymizer.pseudonym("phone", "+40721234567")]


def test_reprocessing_an_item_keeps_its_contacts(pseudonymizer: Pseudonymizer) -> None:
    item = _item()
    first = pseudonymize_item(item, pseudonymizer)
    assert pseudonymize_item(item, pseudonymizer) == first


# Key loading ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        KEY.hex(),
        KEY.hex().upper(),
        "hex:" + KEY.hex(),
        base64.b64encode(KEY).decode(),
        base64.urlsafe_b64encode(KEY).decode().rstrip("="),
        "base64:" + base64.b64encode(KEY).decode(),
    ],
)
def test_key_is_read_from_hex_or_base64_in_the_environment(encoded: str) -> None:
    key, key_id = load_key({"LCOM_PSEUDONYM_KEY": encoded})
    assert key == KEY
    assert key_id == hashlib.sha256(KEY).hexdigest()[:8]


def test_key_id_comes_from_the_environment_when_set() -> None:
    env = {"LCOM_PSEUDONYM_KEY": KEY.hex(), "LCOM_PSEUDONYM_KEY_ID": "k2026"}
    assert load_key(env) == (KEY, "k2026")


@pytest.mark.parametrize(
    "content", [KEY.hex().encode() + b"\n", base64.b64encode(KEY) + b"\n", bytes(range(200, 240))]
)
def test_key_is_read_from_a_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "key"
    path.write_bytes(content)
    key, _ = load_key({"LCOM_PSEUDONYM_KEY_FILE": str(path)})
    assert key == (content if content == bytes(range(200, 240)) else KEY)


@pytest.mark.parametrize(
    "env",
    [
        {"LCOM_PSEUDONYM_KEY": "00" * 16},
        {"LCOM_PSEUDONYM_KEY": base64.b64encode(b"x" * 31).decode()},
        {"LCOM_PSEUDONYM_KEY": "not a key at all!"},
        {"LCOM_PSEUDONYM_KEY": KEY.hex(), "LCOM_PSEUDONYM_KEY_FILE": "/etc/key"},
        {"LCOM_PSEUDONYM_KEY_FILE": "/nonexistent/lcom/key"},
    ],
)
def test_unusable_key_is_rejected_without_showing_it(env: dict[str, str]) -> None:
    with pytest.raises(PseudonymKeyError) as excinfo:
        load_key(env)
    secret = env.get("LCOM_PSEUDONYM_KEY")
    assert secret is None or secret not in str(excinfo.value)


def test_missing_key_is_refused_outside_demo_mode() -> None:
    with pytest.raises(PseudonymKeyError, match="LCOM_PSEUDONYM_KEY"):
        load_key({}, demo=False)


def test_missing_key_in_demo_mode_uses_the_demo_key_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        key, key_id = load_key({}, demo=True)
    assert key_id == DEMO_KEY_ID
    assert len(key) >= 32
    assert "demo key" in caplog.text


def test_configured_key_wins_over_demo_mode() -> None:
    assert load_key({"LCOM_PSEUDONYM_KEY": KEY.hex()}, demo=True)[0] == KEY
