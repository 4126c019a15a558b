"""Every generated way of writing a contact, in every language, is redacted in every field.

The corpus (``tests/support/contact_forms.py``) is a regression set: the detector was
written knowing these forms.
"""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.engine.pseudonyms import Pseudonymizer, pseudonymize_item
from tests.support.contact_forms import LANGUAGES, ContactForm, contact_forms, leaks

FORMS = contact_forms()
KEY = b"contact-corpus-test-key-32-bytes-long!!"


@pytest.fixture(scope="module")
def pseudonymizer() -> Pseudonymizer:
    return Pseudonymizer(KEY, "test")


def test_the_corpus_covers_every_kind_in_every_language() -> None:
    kinds = {(form.lang, form.kind) for form in FORMS}
    assert kinds == {
        (lang.code, kind) for lang in LANGUAGES for kind in ("phone", "email", "handle")
    }
    assert len(FORMS) > 500


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.id)
def test_contact_is_redacted_from_ad_text(form: ContactForm, pseudonymizer: Pseudonymizer) -> None:
    text = form.sentence()
    assert leaks(form, text), "the secret is in the unredacted text"
    redacted, records = pseudonymizer.redact(text, form.region)
    assert not leaks(form, redacted), redacted
    assert records


FIELDS = ("title", "city", "posted", "price_text", "age_text")


@pytest.mark.parametrize("field", FIELDS)
def test_every_stored_text_field_is_redacted(field: str, pseudonymizer: Pseudonymizer) -> None:
    survived: list[tuple[str, str]] = []
    for form in FORMS:
        item: dict[str, Any] = {
            "source": "site",
            "source_ad_id": "ad-1",
            "source_country": form.region,
            field: form.written,
        }
        pseudonymize_item(item, pseudonymizer)
        if leaks(form, str(item[field])):
            survived.append((form.id, item[field]))
    assert not survived, survived[:10]


ID_PHONE_FORMS = ("no_trunk", "no_country_code", "international_00", "sep_dots", "spaces")
ID_EMAIL_FORMS = ("plain", "percent_encoded")
ID_FORMS = [
    form
    for form in FORMS
    if (form.kind, form.form) in {("phone", f) for f in ID_PHONE_FORMS}
    or (form.kind, form.form) in {("email", f) for f in ID_EMAIL_FORMS}
]


@pytest.mark.parametrize("form", ID_FORMS, ids=lambda form: form.id)
def test_contact_in_the_url_and_the_ad_id_is_redacted(
    form: ContactForm, pseudonymizer: Pseudonymizer
) -> None:
    slug = form.written.replace(" ", "-")
    if slug.startswith("http"):
        slug = slug.split("?", 1)[1]
    item: dict[str, Any] = {
        "source": "site",
        "source_ad_id": f"escort-{slug}",
        "url": f"https://ads.example.net/ad/escort-{slug}?ref={slug}",
        "source_country": "NL",  # a foreign number on a Dutch site
    }
    pseudonymize_item(item, pseudonymizer)
    assert not leaks(form, item["url"]), item["url"]
    assert not leaks(form, item["source_ad_id"]), item["source_ad_id"]
    assert item["doc_id"].startswith("site:")


def test_a_skype_id_is_pseudonymised_whole(pseudonymizer: Pseudonymizer) -> None:
    first, records_1 = pseudonymizer.redact("Skype: live:.cid.0a1b2c3d4e", "NL")
    second, records_2 = pseudonymizer.redact("Skype: live:.cid.99ffeedd11", "NL")
    assert "cid" not in first and "cid" not in second
    assert records_1[0]["pseudonym"] != records_2[0]["pseudonym"]  # unrelated ads stay unlinked


def test_the_same_number_written_two_ways_gets_one_pseudonym(pseudonymizer: Pseudonymizer) -> None:
    _, plain = pseudonymizer.redact("bel 06 12345678", "NL")
    _, hidden = pseudonymizer.redact("bel O6 l2 34 56 78", "NL")
    _, spelled = pseudonymizer.redact("bel nul zes een twee drie vier vijf zes zeven acht", "NL")
    assert plain[0]["pseudonym"] == hidden[0]["pseudonym"] == spelled[0]["pseudonym"]


@pytest.mark.parametrize(
    "text",
    [
        "bel nul zes - twaalf - vierendertig - zesenvijftig - achtenzeventig",
        "call oh six twelve thirty four fifty six seventy eight",
        "llama seis doce treinta y cuatro cincuenta y seis",
        "ruf null eins fünf eins zwanzig dreiundvierzig",
    ],
)
def test_numbers_written_out_with_tens_are_redacted(
    text: str, pseudonymizer: Pseudonymizer
) -> None:
    redacted, records = pseudonymizer.redact(text, "NL")
    assert records and records[0]["kind"] == "phone"
    assert len(redacted) < len(text) // 2


@pytest.mark.parametrize(
    "text",
    ["Twenty four seven, ten minutes from the station", "I am twenty one, new in town"],
)
def test_a_few_number_words_in_prose_are_left_alone(
    text: str, pseudonymizer: Pseudonymizer
) -> None:
    assert pseudonymizer.redact(text, "NL") == (text, [])


def test_a_date_and_time_of_a_log_is_no_leak_but_the_number_still_is() -> None:
    # A log line at 16:12:34,567 holds the digits "123456" of the English number: the
    # leak check leaves dates and times out, and still finds the number however written.
    form = next(f for f in contact_forms() if f.id == "en-phone-sep_comma")
    for stamp in ("2026-12-07 16:12:34,567 [scrapy] DEBUG", "2026-12-07T16:12:34.567890+00:00"):
        assert leaks(form, stamp) == []
    assert leaks(form, "2026-12-07 16:12:34,567 call 0,7,9,1,1,1,2,3,4,5,6") == list(form.secrets)
