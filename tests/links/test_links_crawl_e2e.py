"""A real crawl of the demo site fills the link store; a second run doubles no count."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite import DemoSite
from pipelines.es.spool import HitUpdate
from tests.crawl.test_demo_e2e import base_env, lcom
from tests.crawl.test_privacy_e2e import contact_variants, occurrences

#: No politeness delay against the loopback demo site (the rate ceilings still apply).
FAST = ("-s", "DOWNLOAD_DELAY=0")


def spooled(var_dir: Path) -> tuple[dict[str, dict[str, Any]], int]:
    """The spooled hits with their partial updates applied, and the number of updates."""
    hits: dict[str, dict[str, Any]] = {}
    updates = 0
    for path in sorted((var_dir / "spool").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            update = HitUpdate.from_record(record)
            if update is None:
                hits[record["doc_id"]] = record
            elif update.doc_id in hits:
                updates += 1
                hits[update.doc_id] = update.apply(hits[update.doc_id])
    return hits, updates


def link_counts(database: Path) -> dict[str, int]:
    db = sqlite3.connect(database)
    try:
        tables = ("docs", "keys", "key_docs", "names", "ages", "bands")
        return {t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in tables}
    finally:
        db.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_demo_crawl_links_carousels_and_a_second_run_changes_no_count(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"LCOM_DEMO": "1"}
    with DemoSite(port=0, ads=60, seed=5, crawl_delay=0.01) as site:
        first = lcom("crawl", "demo", "--base-url", site.base_url, *FAST, env=env)
        assert first.returncode == 0, first.stderr[-3000:]
        database = tmp_path / "var" / "links.sqlite"
        after_first = link_counts(database)
        listed = lcom("links", "--format", "json", env=env)
        hits, updates = spooled(tmp_path / "var")
        second = lcom("crawl", "demo", "--base-url", site.base_url, *FAST, env=env)
        assert second.returncode == 0, second.stderr[-3000:]
        truth = site.ground_truth
    assert after_first["docs"] > 10
    assert link_counts(database) == after_first
    assert lcom("links", "--format", "json", env=env).stdout == listed.stdout
    # The generator's carousels: one phone in several cities; the store knows their cities.
    summaries = json.loads(listed.stdout)
    carousels = [s for s in summaries if s["kind"] == "contact" and s["n_cities"] >= 3]
    assert carousels
    # Every hit of a carousel carries all its cities, the earlier ones through updates.
    assert updates > 0
    for summary in carousels:
        for doc_id in summary["hit_doc_ids"]:
            assert hits[doc_id]["links"]["n_cities"] == summary["n_cities"], doc_id
    # The second run found no new city: no update was spooled again.
    assert spooled(tmp_path / "var")[1] == updates
    # No plaintext contact or advertised name anywhere in the link store's files.
    haystack = "".join(
        path.read_bytes().decode("utf-8", errors="replace")
        for path in (tmp_path / "var").glob("links.sqlite*")
    )
    variants = {v for contact in truth.all_contact_strings() for v in contact_variants(contact)}
    leaks = occurrences(variants, haystack)
    assert not leaks, sorted(leaks)[:5]
    assert not occurrences({ad.name for ad in truth.ads.values()}, haystack, whole_words=True)
