"""Data minimisation: turn a flagged ad item into the hit document that is stored.

The hit document is section 3 of docs/data-model.md. Only fields the data policy allows
are kept; some fields are never kept whatever a policy says (:data:`NEVER_STORED`).
Non-hits are not turned into anything: the pipeline drops them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

MEDIA_NONE = "none"
MEDIA_HASH = "hash"
MEDIA_MODES: tuple[str, ...] = (MEDIA_NONE, MEDIA_HASH)

#: Identity, bookkeeping and accountability fields: every hit document has them.
ALWAYS_STORED: frozenset[str] = frozenset(
    {
        "doc_id",
        "source",
        "source_ad_id",
        "hit",
        "evidence",
        "policy",
        "run_id",
        "first_seen",
        "last_seen",
        "seen_count",
        "review",
    }
)

#: Content fields a data policy may keep (the default keeps all of them).
CONTENT_FIELDS: tuple[str, ...] = (
    "url",
    "title",
    "text",
    "lang",
    "lang_confidence",
    "city",
    "posted",
    "stated_age",
    "price",
    "indicators",
    "categories",
    "context",
    "score",
    "lexicon_version",
    "contacts",
    "contact_pseudonyms",
    "name_pseudonyms",
    "image_phash",
    "links",
)

#: Every field of the data model's hit document.
DEFAULT_ALLOWED_FIELDS: frozenset[str] = ALWAYS_STORED | frozenset(CONTENT_FIELDS)

#: Never stored, whatever the policy says: the advertised name, raw page content,
#: plaintext contacts and image URLs.
NEVER_STORED: frozenset[str] = frozenset(
    {"name", "html", "raw_html", "body", "contacts_raw", "image_urls"}
)


class HitDocumentError(ValueError):
    """An item lacks what a hit document needs (``missing`` names the fields)."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(missing)
        super().__init__(f"item lacks required fields: {', '.join(self.missing)}")


#: Separates document ids from pseudonyms made with the same key.
DOC_ID_CONTEXT = b"lcom doc_id v2"


def doc_id(source: str, source_ad_id: str, key: bytes) -> str:
    """The stable document id, keyed: ``"<source>:" + HMAC-SHA256(k, source + "\\n" + ad id)``
    (32 hex digits), where ``k = HMAC-SHA256(key, "lcom doc_id v2")`` and ``key`` is the
    pseudonymisation key.

    The same ad gets the same id in every crawl under the same key, and an ad id that
    holds a phone number cannot be recovered from the id by trying every number: that
    needs the key (see docs/elasticsearch.md for indices made before ids were keyed).
    """
    derived = hmac.new(key, DOC_ID_CONTEXT, hashlib.sha256).digest()
    digest = hmac.new(derived, f"{source}\n{source_ad_id}".encode(), hashlib.sha256).hexdigest()
    return f"{source}:{digest[:32]}"


#: Key of :func:`log_ref`: random per process, never stored.
_LOG_REF_KEY = secrets.token_bytes(32)


def log_ref(source: object, source_ad_id: object) -> str:
    """A log reference for an item that has no ``doc_id`` yet (dropped before
    pseudonymisation): keyed with a random per-process key, so log lines of one run can
    be matched up but an ad id cannot be recovered from them. Marked ``~`` to tell it
    from a stored document id."""
    if not (source and source_ad_id):
        return f"{source}:?"
    digest = hmac.new(_LOG_REF_KEY, f"{source}\n{source_ad_id}".encode(), hashlib.sha256)
    return f"{source}:~{digest.hexdigest()[:16]}"


def build_hit_document(
    item: Mapping[str, Any],
    allowed_fields: frozenset[str] = DEFAULT_ALLOWED_FIELDS,
    media: str = MEDIA_NONE,
) -> dict[str, Any]:
    """Build the stored hit document from a pseudonymised, flagged item.

    Content fields not in ``allowed_fields`` are left out, as are fields the item does
    not have. ``image_phash`` is kept only with ``media == "hash"``. Fields in
    :data:`NEVER_STORED` are never copied.
    """
    if media not in MEDIA_MODES:
        raise ValueError(f"media must be one of {', '.join(MEDIA_MODES)}, not {media!r}")
    missing = [f for f in ("source", "source_ad_id", "fetched_at") if not item.get(f)]
    source = item.get("source")
    given = item.get("doc_id")
    # The pseudonymiser sets ``doc_id`` (keyed) from the ad id as the site wrote it,
    # before it replaces a contact in that id by a token: re-crawls keep their document.
    if source and not (isinstance(given, str) and given.startswith(f"{source}:")):
        missing.append("doc_id")
    if missing:
        raise HitDocumentError(missing)
    ad_id, fetched_at = str(item["source_ad_id"]), item["fetched_at"]
    document: dict[str, Any] = {
        "doc_id": given,
        "source": source,
        "source_ad_id": ad_id,
    }
    for field in CONTENT_FIELDS:
        if field not in allowed_fields or field in NEVER_STORED or field not in item:
            continue
        if field == "image_phash" and media != MEDIA_HASH:
            continue
        document[field] = item[field]
    document["hit"] = bool(item.get("hit", True))
    document["evidence"] = {
        "body_sha256": item.get("body_sha256"),
        "fetched_at": fetched_at,
        "http_status": item.get("http_status"),
        "rendered_js": bool(item.get("rendered_js", False)),
    }
    document["policy"] = {
        "version": item.get("policy_version"),
        "hash": item.get("policy_hash"),
        "authorisation_id": item.get("authorisation_id"),
        "legal_basis_id": item.get("legal_basis_id"),
    }
    document["run_id"] = item.get("run_id")
    document["first_seen"] = fetched_at
    document["last_seen"] = fetched_at
    document["seen_count"] = 1
    document["review"] = {"state": "new"}
    return document
