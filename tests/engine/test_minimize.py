"""Minimisation: the hit document keeps what the policy allows and never more."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from pipelines.engine.minimize import (
    ALWAYS_STORED,
    DEFAULT_ALLOWED_FIELDS,
    HitDocumentError,
    build_hit_document,
    doc_id,
)

#: A test key (the pseudonymisation key doc ids are made with).
KEY = b"minimize-test-key-of-at-least-32-bytes"


def flagged_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "demo",
        "source_ad_id": "ad-00042",
        "doc_id": doc_id("demo", "ad-00042", KEY),
        "url": "http://127.0.0.1:8123/ads/ad-00042.html",
        "title": "NIEUW in Utrecht [phone:1a2b3c4d]",
        "text": "net aangekomen in Utrecht",
        "city": "Utrecht",
        "posted": "2026-11-20",
        "price_text": "150€/u",
        "age_text": "19",
        "name": "Bianca",
        "image_urls": ["http://127.0.0.1:8123/img/1.jpg"],
        "image_phash": ["c3d4e5f6a7b8c9d0"],
        "html": "<html>...</html>",
        "source_country": "NL",
        "fetched_at": "2026-11-29T05:40:00Z",
        "body_sha256": "ab" * 32,
        "http_status": 200,
        "rendered_js": False,
        "policy_version": "2026.11-demo",
        "policy_hash": "sha256:cd",
        "authorisation_id": "AUTH-DEMO-1",
        "legal_basis_id": "demo-basis",
        "run_id": "20261129T054000Z-ab12",
        "lang": "nl",
        "lang_confidence": 0.99,
        "contacts": [{"kind": "phone", "pseudonym": "1a2b3c4d" * 8, "key_id": "k2026"}],
        "contact_pseudonyms": ["1a2b3c4d" * 8],
        "indicators": [{"category": "movement", "rule": "movement.nl.net_aangekomen"}],
        "categories": ["movement"],
        "score": 1.0,
        "hit": True,
        "lexicon_version": "2026.11.1",
        "stated_age": 19,
        "price": {"amount": 150.0, "currency": "EUR", "per_hours": 1.0},
        "_lcom_pseudonymised": True,
    }
    item.update(overrides)
    return item


def test_doc_id_is_keyed_and_stable() -> None:
    first = doc_id("demo", "ad-00042", KEY)
    assert first == doc_id("demo", "ad-00042", KEY)  # a re-crawl maps to the same document
    assert first.startswith("demo:") and len(first) == len("demo:") + 32
    assert first != doc_id("demo", "ad-00042", KEY[::-1])
    assert first != doc_id("demo", "ad-00043", KEY)
    unkeyed = hashlib.sha256(b"demo\nad-00042").hexdigest()[:32]
    assert first != f"demo:{unkeyed}"
    assert build_hit_document(flagged_item())["doc_id"] == first


def test_a_phone_number_in_the_ad_id_is_not_recovered_from_the_doc_id_without_the_key() -> None:
    # The attack on unkeyed ids: hash every candidate number until one matches.
    secret_id = "anna-0612345678"
    stored = doc_id("demo", secret_id, KEY)
    candidates = [f"anna-06{n:08d}" for n in range(12_340_000, 12_350_000)]
    assert secret_id in candidates
    for guess_key in (b"", b"lcom", hashlib.sha256(b"demo").digest()):
        assert stored not in {doc_id("demo", c, guess_key) for c in candidates[:2000]}
        assert stored.removeprefix("demo:") not in {
            hashlib.sha256(f"demo\n{c}".encode()).hexdigest()[:32] for c in candidates
        }
    # With the key the same search finds it: the key is what protects the id.
    assert stored in {doc_id("demo", c, KEY) for c in candidates}


def test_an_item_without_a_keyed_doc_id_is_refused() -> None:
    with pytest.raises(HitDocumentError) as excinfo:
        build_hit_document(flagged_item(doc_id=None))
    assert excinfo.value.missing == ("doc_id",)


def test_hit_document_has_the_data_model_shape() -> None:
    document = build_hit_document(flagged_item())
    assert document["first_seen"] == document["last_seen"] == "2026-11-29T05:40:00Z"
    assert document["seen_count"] == 1
    assert document["review"] == {"state": "new"}
    assert document["evidence"] == {
        "body_sha256": "ab" * 32,
        "fetched_at": "2026-11-29T05:40:00Z",
        "http_status": 200,
        "rendered_js": False,
    }
    assert document["policy"] == {
        "version": "2026.11-demo",
        "hash": "sha256:cd",
        "authorisation_id": "AUTH-DEMO-1",
        "legal_basis_id": "demo-basis",
    }
    assert document["run_id"] == "20261129T054000Z-ab12"
    assert document["contact_pseudonyms"] == ["1a2b3c4d" * 8]
    assert set(document) <= DEFAULT_ALLOWED_FIELDS


@pytest.mark.parametrize("media", ["none", "hash"])
@pytest.mark.parametrize(
    "allowed",
    [
        DEFAULT_ALLOWED_FIELDS,
        DEFAULT_ALLOWED_FIELDS | {"name", "contacts_raw", "image_urls", "html"},
    ],
)
def test_name_raw_contacts_image_urls_and_html_are_never_kept(
    allowed: frozenset[str], media: str
) -> None:
    item = flagged_item(contacts_raw=["+31612345678"])
    document = build_hit_document(item, allowed, media)
    assert not {"name", "contacts_raw", "image_urls", "html", "price_text", "age_text"} & set(
        document
    )
    assert "Bianca" not in str(document)
    assert "+31612345678" not in str(document)


def test_fields_the_policy_does_not_allow_are_left_out() -> None:
    allowed = ALWAYS_STORED | {"title", "categories"}
    document = build_hit_document(flagged_item(), allowed)
    assert set(document) == ALWAYS_STORED | {"title", "categories"}


@pytest.mark.parametrize(("media", "kept"), [("none", False), ("hash", True)])
def test_image_hashes_are_kept_only_in_hash_media_mode(media: str, kept: bool) -> None:
    assert ("image_phash" in build_hit_document(flagged_item(), media=media)) is kept


def test_image_hashes_are_absent_when_the_item_has_none() -> None:
    item = flagged_item()
    del item["image_phash"]
    assert "image_phash" not in build_hit_document(item, media="hash")


def test_unknown_media_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="media"):
        build_hit_document(flagged_item(), media="download")


@pytest.mark.parametrize("field", ["source", "source_ad_id", "fetched_at"])
def test_item_without_identity_or_fetch_time_is_refused(field: str) -> None:
    with pytest.raises(HitDocumentError) as excinfo:
        build_hit_document(flagged_item(**{field: None}))
    assert excinfo.value.missing == (field,)


def test_building_does_not_change_the_item() -> None:
    item = flagged_item()
    before = dict(item)
    build_hit_document(item)
    assert item == before
