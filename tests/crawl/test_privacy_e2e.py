"""No contact detail or advertised name of the demo site appears anywhere lcom writes.

A full crawl of the demo site (JavaScript section included) into the ES
wire-protocol test server, at DEBUG log level, with a job folder; then every contact
string the site shows (as printed, in E.164, as bare digits, e-mails, messaging links) is
searched for in the logs, the spool, the audit log, the job folder and every indexed
document.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import phonenumbers
import pytest

from crawler.demosite import DemoSite
from pipelines.es.client import EsConnectionConfig, make_client
from pipelines.es.setup import setup_cluster
from tests.crawl.test_demo_e2e import base_env, lcom
from tests.support.es_test_server import EsTestServer
from tests.support.lexicon_cache import assert_holds_only_the_compiled_lexicons, is_compiled_lexicon


def contact_variants(value: str) -> set[str]:
    variants = {value}
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 8:
        variants.add(digits)
        variants.add(digits[-9:])  # national significant number without prefixes
    for match in phonenumbers.PhoneNumberMatcher(
        value, "NL", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        variants.add(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    if "@" in value:
        variants.add(value.lower())
    for prefix in ("https://wa.me/", "https://t.me/", "mailto:", "tel:"):
        if value.startswith(prefix):
            variants.add(value[len(prefix) :])
    return {v for v in variants if len(v) >= 6}


@pytest.mark.browser
def test_no_contact_detail_appears_in_plaintext_in_any_output(tmp_path: Path) -> None:
    with EsTestServer() as es, DemoSite(port=0, ads=60, seed=5, crawl_delay=0.01) as site:
        client = make_client(EsConnectionConfig.from_env({"ELASTICSEARCH_URL": es.url}))
        setup_cluster(client)
        env = base_env(tmp_path)
        env.update(LCOM_DEMO="1", ELASTICSEARCH_URL=es.url)
        env.pop("LCOM_LEXICON_CACHE", None)  # under the var folder, as by default
        result = lcom(
            "--log-level",
            "DEBUG",
            "crawl",
            "demo",
            "--base-url",
            site.base_url,
            "-s",
            "LOG_LEVEL=DEBUG",
            "-s",
            "DOWNLOAD_DELAY=0",
            "--jobdir",
            str(tmp_path / "job"),
            env=env,
        )
        truth = site.ground_truth
        documents = es.documents("lcom-hits")
        audit = es.documents("lcom-audit")
    assert result.returncode == 0, result.stderr[-3000:]
    assert documents, "the crawl indexed hits"
    haystacks = {
        "stdout": result.stdout,
        "log": result.stderr,
        "elasticsearch hits": json.dumps(documents, ensure_ascii=False),
        "elasticsearch audit": json.dumps(audit, ensure_ascii=False),
    }
    # The compiled lexicons are proven to hold nothing else, and left out of the search.
    assert_holds_only_the_compiled_lexicons(tmp_path / "var", tmp_path / "fresh-cache")
    for path in sorted([*(tmp_path / "var").rglob("*"), *(tmp_path / "job").rglob("*")]):
        if path.is_file() and not is_compiled_lexicon(path, tmp_path / "var"):
            haystacks[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    contacts = truth.all_contact_strings()
    assert len(contacts) > 20
    variants = {variant for contact in contacts for variant in contact_variants(contact)}
    leaks = [
        (found, where) for where, text in haystacks.items() for found in occurrences(variants, text)
    ]
    assert not leaks, leaks[:10]
    # The advertised names: never in a stored title or text (they become [name]), nor
    # in any log or file, as a whole word in any case.
    names = {ad.name for ad in truth.ads.values()}
    assert len(names) > 20
    stored = {k: v for k, v in haystacks.items() if k != "stdout"}
    name_leaks = [
        (found, where)
        for where, text in stored.items()
        for found in occurrences(names, text, whole_words=True)
    ]
    assert not name_leaks, name_leaks[:10]
    assert any(doc["name_pseudonyms"] for doc in documents.values())


def occurrences(needles: set[str], text: str, *, whole_words: bool = False) -> set[str]:
    """Which of ``needles`` occur in ``text`` (as whole words, in any case, if asked):
    one pass over the text, however many needles."""
    alternatives = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
    if whole_words:
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    else:
        # Overlapping needles (a number and its last nine digits) are all found: each
        # match is checked against every needle it contains.
        pattern = re.compile(alternatives)
    found = {match.group(0) for match in pattern.finditer(text)}
    if whole_words:
        folded = {n.casefold(): n for n in needles}
        return {folded.get(f.casefold(), f) for f in found}
    return {n for n in needles if any(n in f for f in found)}


def test_the_leak_search_finds_overlapping_cased_and_embedded_needles() -> None:
    needles = {"+31612345678", "612345678", "anna@example.org"}
    assert occurrences(needles, "call +31612345678 or ANNA@example.org") == {
        "+31612345678",
        "612345678",
    }
    assert occurrences(needles, "x0612345678x") == {"612345678"}
    assert occurrences({"Anna", "Bea"}, "by ANNA, not Beatrix", whole_words=True) == {"Anna"}
    assert occurrences({"Anna"}, "nothing here", whole_words=True) == set()
