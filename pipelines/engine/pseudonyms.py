"""Keyed pseudonyms for contact details, and the key they are made with.

A pseudonym is ``HMAC-SHA256(key, kind + ":" + normalised value)`` in hex: the same phone
number gives the same pseudonym in every ad (so investigators can link ads), but without
the key nobody can test a guessed number against it. Contact occurrences in text become
tokens such as ``[phone:1a2b3c4d]`` (the first eight hex digits of the pseudonym).

The key comes from the environment (:func:`load_key`); it is never logged, and neither
are contact values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pipelines.engine.contacts import (
    DEFAULT_REGION,
    KINDS,
    Contact,
    extract_contacts,
    normalise,
)
from pipelines.engine.minimize import doc_id

logger = logging.getLogger(__name__)

KEY_ENV = "LCOM_PSEUDONYM_KEY"
KEY_FILE_ENV = "LCOM_PSEUDONYM_KEY_FILE"
KEY_ID_ENV = "LCOM_PSEUDONYM_KEY_ID"

MIN_KEY_BYTES = 32
TOKEN_HEX_CHARS = 8

#: Used only in demo mode, when no key is configured. Public, hence worthless: never
#: pseudonymise real data with it.
DEMO_KEY = b"lcom-demo-INSECURE-pseudonym-key-never-use-for-real-data"
DEMO_KEY_ID = "demo-insecure"

#: Free-text item fields in which contacts are replaced by tokens.
TEXT_FIELDS: tuple[str, ...] = ("title", "text", "city", "posted", "price_text", "age_text")
#: Identifier fields also checked for contacts (sites put phone numbers and handles in
#: slugs, query strings and ad ids); see :func:`redact_url` and :func:`pseudonymize_item`.
IDENTIFIER_FIELDS: tuple[str, ...] = ("url", "source_ad_id")

# Characters left as they are when a redacted URL part is encoded again.
_URL_PATH_SAFE = "/[]:@!$&'()*+,;=-._~%"
_URL_QUERY_SAFE = "/[]:@!$&'()*+,;=-._~?%"

_HEX = re.compile(r"[0-9a-fA-F]+")

ContactRecord = dict[str, str]


class PseudonymKeyError(ValueError):
    """The pseudonymisation key is missing or unusable."""


class Pseudonymizer:
    """Turns contact values into keyed pseudonyms and redacts them from text."""

    def __init__(self, key: bytes, key_id: str) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise PseudonymKeyError(
                f"the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes"
            )
        if not key_id:
            raise PseudonymKeyError("the pseudonymisation key needs a key id")
        self._key = key
        self.key_id = key_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_id={self.key_id!r})"

    def pseudonym(self, kind: str, value: str) -> str:
        """HMAC-SHA256 hex of ``kind + ":" + value``; ``value`` as :func:`normalise` gives it."""
        if kind not in KINDS:
            raise ValueError(f"unknown contact kind {kind!r}")
        message = f"{kind}:{normalise(kind, value)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def doc_id(self, source: str, source_ad_id: str) -> str:
        """The keyed document id of an ad (:func:`~pipelines.engine.minimize.doc_id`)."""
        return doc_id(source, source_ad_id, self._key)

    def keyed(self, kind: str, normalised: str) -> str:
        """HMAC-SHA256 hex of ``kind + ":" + normalised`` for a kind another module
        normalises (advertised names: :mod:`pipelines.engine.names`)."""
        return hmac.new(self._key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()

    def token(self, kind: str, value: str) -> str:
        """The text token that replaces a contact, e.g. ``[phone:1a2b3c4d]``."""
        return f"[{kind}:{self.pseudonym(kind, value)[:TOKEN_HEX_CHARS]}]"

    def redact(
        self,
        text: str,
        region: str | None = DEFAULT_REGION,
        *,
        contact_field: bool = False,
        identifier: bool = False,
    ) -> tuple[str, list[ContactRecord]]:
        """Replace every contact in ``text`` by its token.

        Returns the redacted text and the contacts found, deduplicated, as
        ``{"kind", "pseudonym", "key_id"}`` records in order of first occurrence.
        ``contact_field`` and ``identifier`` are those of
        :func:`~pipelines.engine.contacts.extract_contacts`.
        """
        found = extract_contacts(text, region, contact_field=contact_field, identifier=identifier)
        if not found:
            return text, []
        parts: list[str] = []
        records: dict[tuple[str, str], ContactRecord] = {}
        position = 0
        for contact in found:
            pseudonym = self.pseudonym(contact.kind, contact.value)
            parts.append(text[position : contact.start])
            parts.append(f"[{contact.kind}:{pseudonym[:TOKEN_HEX_CHARS]}]")
            position = contact.end
            records.setdefault((contact.kind, pseudonym), self._record(contact, pseudonym))
        parts.append(text[position:])
        return "".join(parts), list(records.values())

    def _record(self, contact: Contact, pseudonym: str) -> ContactRecord:
        return {"kind": contact.kind, "pseudonym": pseudonym, "key_id": self.key_id}

    def redact_url(
        self, url: str, region: str | None = DEFAULT_REGION
    ) -> tuple[str, list[ContactRecord]]:
        """Replace contacts in a URL's path, query and fragment by tokens.

        Scheme and host are kept, and so is the shape of the path. A URL without
        contacts is returned unchanged (not re-encoded).
        """
        parts = urlsplit(url)
        path, in_path = self.redact(unquote(parts.path), region, identifier=True)
        query, in_query = self.redact(unquote(parts.query), region, identifier=True)
        fragment, in_fragment = self.redact(unquote(parts.fragment), region, identifier=True)
        records: dict[tuple[str, str], ContactRecord] = {}
        for found in (in_path, in_query, in_fragment):
            _merge(records, found)
        if not records:
            return url, []
        redacted = urlunsplit(
            (
                parts.scheme,
                parts.netloc,
                quote(path, safe=_URL_PATH_SAFE),
                quote(query, safe=_URL_QUERY_SAFE),
                quote(fragment, safe=_URL_QUERY_SAFE),
            )
        )
        return redacted, list(records.values())


class ContactRedactor:
    """Replaces contacts in text by tokens and maps offsets of the original onto the result.

    With a :class:`Pseudonymizer` the tokens are keyed (``[phone:1a2b3c4d]``), without
    one they name the kind only (``[phone]``, ``[email]``, ``[handle]``): output that
    leaves lcom (``lcom flag``) never echoes a contact either way.
    """

    def __init__(self, pseudonymizer: Pseudonymizer | None = None) -> None:
        self.pseudonymizer = pseudonymizer

    def token(self, contact: Contact) -> str:
        if self.pseudonymizer is None:
            return f"[{contact.kind}]"
        return self.pseudonymizer.token(contact.kind, contact.value)

    def redact(
        self, text: str, region: str | None = DEFAULT_REGION, *, identifier: bool = False
    ) -> tuple[str, list[int]]:
        """The redacted text, and for each offset ``0..len(text)`` of the original the
        offset in the redacted text (offsets inside a contact map to its token's end)."""
        found = extract_contacts(text, region, identifier=identifier)
        if not found:
            return text, list(range(len(text) + 1))
        parts: list[str] = []
        offsets: list[int] = []
        position = written = 0
        for contact in found:
            parts.append(text[position : contact.start])
            offsets.extend(range(written, written + contact.start - position))
            written += contact.start - position
            token = self.token(contact)
            offsets.append(written)
            offsets.extend([written + len(token)] * (contact.end - contact.start - 1))
            parts.append(token)
            written += len(token)
            position = contact.end
        parts.append(text[position:])
        offsets.extend(range(written, written + len(text) - position + 1))
        return "".join(parts), offsets


def pseudonymize_item(
    item: MutableMapping[str, Any],
    pseudonymizer: Pseudonymizer,
    *,
    default_region: str = DEFAULT_REGION,
) -> list[ContactRecord]:
    """Pseudonymise an ad item in place (pipeline stage 200 of docs/data-model.md).

    Replaces contacts in the free-text fields (:data:`TEXT_FIELDS`) by tokens, turns
    every ``contacts_raw`` string into a pseudonym, sets ``contacts`` and
    ``contact_pseudonyms`` and deletes ``contacts_raw``. The phone region is
    ``item["source_country"]``. Contacts already on the item (re-processing) are kept.

    The identifiers are checked too (:data:`IDENTIFIER_FIELDS`): ``doc_id`` is set
    from the original ``source`` and ``source_ad_id`` first (keyed: an HMAC), then contacts in
    the URL's path and query and in the ad id are replaced by tokens, so neither is
    stored or logged with a contact in it.
    Returns the item's contact records.
    """
    region = item.get("source_country") or default_region
    records: dict[tuple[str, str], ContactRecord] = {}
    for previous in item.get("contacts") or ():
        records.setdefault((previous["kind"], previous["pseudonym"]), dict(previous))
    source, ad_id = item.get("source"), item.get("source_ad_id")
    if source and ad_id and not item.get("doc_id"):
        item["doc_id"] = pseudonymizer.doc_id(str(source), str(ad_id))
    for field in TEXT_FIELDS:
        value = item.get(field)
        if isinstance(value, str) and value:
            item[field], found = pseudonymizer.redact(value, region)
            _merge(records, found)
    for raw in item.pop("contacts_raw", None) or ():
        if isinstance(raw, str) and raw.strip():
            _, found = pseudonymizer.redact(raw, region, contact_field=True)
            _merge(records, found)
    if ad_id:
        redacted_id, found = pseudonymizer.redact(str(ad_id), region, identifier=True)
        if found:
            item["source_ad_id"] = redacted_id
            _merge(records, found)
    url = item.get("url")
    if isinstance(url, str) and url:
        item["url"], found = pseudonymizer.redact_url(url, region)
        _merge(records, found)
    contacts = list(records.values())
    item["contacts"] = contacts
    item["contact_pseudonyms"] = list(dict.fromkeys(c["pseudonym"] for c in contacts))
    return contacts


def _merge(records: dict[tuple[str, str], ContactRecord], found: Iterable[ContactRecord]) -> None:
    for record in found:
        records.setdefault((record["kind"], record["pseudonym"]), record)


def load_key(environ: Mapping[str, str] = os.environ, demo: bool = False) -> tuple[bytes, str]:
    """Read the pseudonymisation key and its id from the environment.

    - ``LCOM_PSEUDONYM_KEY``: the key, hex or base64 (standard or URL-safe), at least
      32 bytes once decoded. A ``hex:`` or ``base64:`` prefix settles ambiguous strings;
      without one, a string of hex digits is read as hex.
    - ``LCOM_PSEUDONYM_KEY_FILE``: path of a file holding the key, either as hex/base64
      text or as at least 32 raw bytes.
    - ``LCOM_PSEUDONYM_KEY_ID``: the id stored next to every pseudonym (default: the
      first 8 hex digits of SHA-256 of the key), so that a key change is visible.

    Without a key, demo mode uses :data:`DEMO_KEY` (key id ``demo-insecure``) and warns;
    otherwise :class:`PseudonymKeyError` is raised.
    """
    env = environ
    text_key = env.get(KEY_ENV, "").strip()
    key_file = env.get(KEY_FILE_ENV, "").strip()
    if text_key and key_file:
        raise PseudonymKeyError(f"set either {KEY_ENV} or {KEY_FILE_ENV}, not both")
    if text_key:
        key = _decode_key(text_key, source=KEY_ENV)
    elif key_file:
        key = _read_key_file(Path(key_file))
    elif demo:
        logger.warning(
            "no pseudonymisation key configured: using the public demo key (key id %s); "
            "pseudonyms made with it protect nothing, never use it for real data",
            DEMO_KEY_ID,
        )
        return DEMO_KEY, DEMO_KEY_ID
    else:
        raise PseudonymKeyError(
            f"no pseudonymisation key configured: set {KEY_ENV} (hex or base64, at least "
            f"{MIN_KEY_BYTES} bytes, e.g. the output of `openssl rand -hex 32`) or "
            f"{KEY_FILE_ENV} (path of a file holding the key); contacts are never stored "
            "without a key"
        )
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"the pseudonymisation key is {len(key)} bytes; at least {MIN_KEY_BYTES} are required"
        )
    key_id = env.get(KEY_ID_ENV, "").strip() or hashlib.sha256(key).hexdigest()[:8]
    return key, key_id


def _decode_key(text: str, *, source: str) -> bytes:
    lowered = text.lower()
    if lowered.startswith("hex:"):
        return _decode_hex(text[4:].strip(), source)
    if lowered.startswith("base64:"):
        return _decode_base64(text[7:].strip(), source)
    if _HEX.fullmatch(text) and len(text) % 2 == 0:
        return _decode_hex(text, source)
    return _decode_base64(text, source)


def _decode_hex(text: str, source: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise PseudonymKeyError(f"{source} is not valid hex") from None


def _decode_base64(text: str, source: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    altchars = b"-_" if ("-" in text or "_" in text) else None
    try:
        return base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        # The message names the variable, never its value.
        raise PseudonymKeyError(f"{source} is neither hex nor base64") from None


def _read_key_file(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PseudonymKeyError(
            f"cannot read the pseudonymisation key file named by {KEY_FILE_ENV}: "
            f"{exc.strerror or exc}"
        ) from exc
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return raw
    if not text:
        raise PseudonymKeyError(f"the key file named by {KEY_FILE_ENV} is empty")
    try:
        return _decode_key(text, source=KEY_FILE_ENV)
    except PseudonymKeyError:
        # Not hex or base64 text: the file holds the key bytes themselves.
        return raw
