"""``lcom pseudonym VALUE``: the pseudonym to search for, for a contact an investigator has.

The value (a phone number, e-mail address or messenger handle) is normalised and
pseudonymised exactly as the crawl pipeline does it (:mod:`pipelines.engine.pseudonyms`,
same key): a phone number in national format is read in the region of ``--country``
(default NL) and becomes E.164, an e-mail address is lower-cased with its obfuscations
undone, a handle is lower-cased without ``@``. The output is the pseudonym and the
Kibana query that finds every hit with it.

It needs the pseudonymisation key (``LCOM_PSEUDONYM_KEY`` or ``LCOM_PSEUDONYM_KEY_FILE``;
the public demo key only with ``LCOM_DEMO`` set). Every use first appends an audit record
(``kind: pseudonym_lookup``: who, when, which pseudonym, key id, the reason given with
``--reason``; never the value) to the local audit log (``LCOM_AUDIT_LOG``) and, when
``ELASTICSEARCH_URL`` is set, to ``lcom-audit``. If the local record cannot be written the
pseudonym is not shown.

The reverse, a pseudonym back to a contact, is not possible with lcom by design: it is a
de-pseudonymisation request through the proper channel (docs/investigators.md).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.cli.options import add_format, plain
from crawler.exitcodes import ExitCode

if TYPE_CHECKING:
    from pipelines.engine.pseudonyms import Pseudonymizer

logger = logging.getLogger(__name__)

RECORD_KIND = "pseudonym_lookup"
KINDS = ("phone", "email", "handle")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pseudonym",
        help="turn a known phone number, e-mail or handle into the pseudonym to search for",
        description=plain(__doc__),
    )
    parser.add_argument("value", metavar="VALUE", help="the contact as you have it")
    parser.add_argument("--kind", choices=KINDS, help="what VALUE is (default: recognised)")
    parser.add_argument(
        "--country",
        default=None,
        metavar="CC",
        help="region for phone numbers in national format (ISO 3166 alpha-2; default NL)",
    )
    parser.add_argument("--reason", default="", help="why (case number, request id): audited")
    parser.add_argument("--audit-log", type=Path, help="default: LCOM_AUDIT_LOG or var/audit.jsonl")
    add_format(parser, "the result")
    parser.set_defaults(func=run)


class NotOneContact(ValueError):
    """VALUE is not one contact of the asked kind."""


def pseudonymise(
    value: str, kind: str | None, country: str | None, pseudonymizer: Pseudonymizer
) -> dict[str, str]:
    """``{"kind", "pseudonym", "key_id"}`` of ``value`` as the pipeline would record it.

    The pipeline path first: the value is read like a contact field of an ad
    (``Pseudonymizer.redact(..., contact_field=True)``), which normalises it the same way.
    A bare handle or address the detector does not take for a contact on its own is
    pseudonymised as ``--kind`` says, through the same normalisation (``pseudonym``).
    """
    from pipelines.engine.contacts import DEFAULT_REGION, PHONE, normalise_phone

    region = (country or DEFAULT_REGION).upper()
    _, records = pseudonymizer.redact(value, region, contact_field=True)
    if kind:
        records = [r for r in records if r["kind"] == kind]
    if len(records) == 1:
        return dict(records[0])
    if len(records) > 1:
        raise NotOneContact(f"the value holds {len(records)} contacts; give one at a time")
    if kind is None:
        raise NotOneContact(
            "the value is not recognised as a phone number, e-mail address or handle; "
            "say what it is with --kind"
        )
    if kind == PHONE:
        normalised = normalise_phone(value, region)
        if normalised is None:
            raise NotOneContact(f"not a possible phone number in region {region}")
        value = normalised
    if not value.strip():
        raise NotOneContact("the value is empty")
    return {
        "kind": kind,
        "pseudonym": pseudonymizer.pseudonym(kind, value),
        "key_id": pseudonymizer.key_id,
    }


def actor() -> str:
    """Who asked: ``LCOM_ACTOR`` (set by a wrapper that knows the investigator), else the
    operating-system user."""
    explicit = os.environ.get("LCOM_ACTOR", "").strip()
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def audit_record(found: dict[str, str], reason: str, country: str | None) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "@timestamp": now,
        "kind": RECORD_KIND,
        "actor": actor(),
        "contact_kind": found["kind"],
        "pseudonym": found["pseudonym"],
        "key_id": found["key_id"],
        "region": (country or "").upper() or None,
        "reason": reason or None,
    }


def run(args: argparse.Namespace) -> int:
    from crawler.extensions.audit import index_best_effort
    from pipelines.engine.pseudonyms import Pseudonymizer, PseudonymKeyError, load_key
    from pipelines.es.audit import append_audit_log
    from pipelines.es.cli_support import default_audit_log

    demo = os.environ.get("LCOM_DEMO", "").strip().lower() in ("1", "true", "yes", "on")
    try:
        key, key_id = load_key(os.environ, demo=demo)
        pseudonymizer = Pseudonymizer(key, key_id)
    except PseudonymKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        found = pseudonymise(args.value, args.kind, args.country, pseudonymizer)
    except NotOneContact as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    record = audit_record(found, args.reason, args.country)
    path = args.audit_log or default_audit_log()
    try:
        append_audit_log(record, path)
    except OSError as exc:
        print(
            f"error: cannot write the audit record to {path} ({exc.strerror or exc}); "
            "the pseudonym is not shown without it",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    index_best_effort(record)
    query = f'contact_pseudonyms : "{found["pseudonym"]}"'
    token = f"[{found['kind']}:{found['pseudonym'][:8]}]"
    if args.format == "json":
        print(json.dumps({**found, "token": token, "kql": query}))
    else:
        print(f"kind       {found['kind']}")
        print(f"pseudonym  {found['pseudonym']}  (key id {found['key_id']})")
        print(f"in text    {token}")
        print(f"Kibana     {query}")
    return ExitCode.OK
