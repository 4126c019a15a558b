"""Linking end to end: real crawls of the demo site on loopback into the local link store.

A crawl run again, a crawl killed and resumed from its job folder and a spool replay
never double a count; a carousel completed by a later run links the earlier run's ad;
the same ads under two sources link across them; and the link store holds none of the
contacts or names the site shows, in any form the site shows them.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.demosite import DemoSite, GroundTruth
from crawler.sources import BUNDLED_DIR as SOURCES_DIR
from legal_guardrails import DEMO_POLICY_DIR
from pipelines.engine.pseudonyms import Pseudonymizer
from pipelines.links import open_store, sqlite_path
from tests.crawl.conftest import TEST_PSEUDONYM_KEY
from tests.crawl.test_demo_e2e import ROOT, base_env, lcom
from tests.crawl.test_privacy_e2e import contact_variants
from tests.links.test_links_crawl_e2e import spooled
from tests.support.es_test_server import EsTestServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PSEUDONYMS = Pseudonymizer(bytes.fromhex(TEST_PSEUDONYM_KEY), "k-test")
SECOND_SOURCE = "demo-mirror"


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite(port=0, ads=40, seed=7, crawl_delay=0.0, slow_seconds=0.5) as demo:
        yield demo


@pytest.fixture(scope="module")
def crawled(site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The var folder of one whole crawl of the site (tests copy it before changing it)."""
    var = tmp_path_factory.mktemp("crawled") / "var"
    crawl(site, var)
    return var


def copy_of(var: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(var, tmp_path / "var"))


def policy_with_second_source(directory: Path) -> Path:
    """The demo policy, also authorising a second source id for the same site."""
    import shutil

    shutil.copytree(DEMO_POLICY_DIR, directory)
    (directory / "STOP").unlink(missing_ok=True)
    text = (directory / "sources" / "demo.yaml").read_text(encoding="utf-8")
    (directory / "sources" / f"{SECOND_SOURCE}.yaml").write_text(
        text.replace("id: demo", f"id: {SECOND_SOURCE}", 1), encoding="utf-8"
    )
    path = directory / "authorisations.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["authorisations"][0]["sources"].append(SECOND_SOURCE)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return directory


def source_file(path: Path, source_id: str = "demo", ads: str | None = None) -> Path:
    """The bundled demo source as ``source_id``; ``ads``: a regex of the ad ids it takes
    as ads (other ad pages are only followed)."""
    data = yaml.safe_load((SOURCES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    data["id"] = source_id
    if ads is not None:
        data["pages"]["ad"]["url_pattern"] = f"^/ad/(?:{ads})$"
        data["pages"]["js_ad"]["url_pattern"] = f"^/js/ad/(?:{ads})$"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def crawl(
    site: DemoSite, var: Path, source: Path | str = "demo", *extra: str, policy: Path | None = None
) -> subprocess.CompletedProcess[str]:
    # No politeness delay against the loopback demo site (the rate ceilings still apply).
    args = ["crawl", str(source), "--base-url", site.base_url, "-s", "DOWNLOAD_DELAY=0", *extra]
    if policy is not None:
        args += ["--policy-dir", str(policy)]
    result = lcom(*args, env=env_for(var))
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def env_for(var: Path, **extra: str) -> dict[str, str]:
    # base_env puts the var folder under the path it is given.
    return base_env(var.parent) | {
        "LCOM_VAR_DIR": str(var),
        "LCOM_DEMO": "1",
        "LCOM_PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        **extra,
    }


def snapshot(var: Path) -> dict[str, dict[str, Any]]:
    """Every key the link store of ``var`` knows, as JSON-ready summaries."""
    store = open_store({"LCOM_VAR_DIR": str(var)})
    try:
        return {summary.key: summary.to_dict() for summary in store.iter_keys()}
    finally:
        store.close()


def phone_key(phone_e164: str) -> str:
    return PSEUDONYMS.pseudonym("phone", phone_e164)


def doc_of(ad_id: str, source: str = "demo") -> str:
    return PSEUDONYMS.doc_id(source, ad_id)


def stops(summary: dict[str, Any]) -> set[tuple[str, str]]:
    return {(span["city"], span["first"][:10]) for span in summary["cities"]}


def expected_stops(truth: GroundTruth, phone_e164: str) -> set[tuple[str, str]]:
    from pipelines.engine.linking import normalise_city

    tour = next(tour for tour in truth.tours if tour.phone_e164 == phone_e164)
    return {(str(normalise_city(stop.city)), stop.posted) for stop in tour.stops}


def test_a_crawl_links_every_carousel_with_its_cities_and_dates_and_no_single_city_contact(
    site: DemoSite, crawled: Path
) -> None:
    truth = site.ground_truth
    keys = snapshot(crawled)
    assert truth.tours
    for tour in truth.tours:
        summary = keys[phone_key(tour.phone_e164)]
        assert stops(summary) == expected_stops(truth, tour.phone_e164)
        assert sorted(summary["doc_ids"]) == sorted(doc_of(ad_id) for ad_id in tour.ad_ids)
    for phone in truth.single_city_contacts:
        summary = keys.get(phone_key(phone))
        assert summary is None or summary["n_cities"] == 1


def test_a_crawl_killed_and_resumed_counts_every_ad_once(
    site: DemoSite, crawled: Path, tmp_path: Path
) -> None:
    expected = snapshot(crawled)

    var, jobdir = tmp_path / "var", tmp_path / "job"
    args = ["crawl", "demo", "--base-url", site.base_url, "--jobdir", str(jobdir),
            "-s", "DOWNLOAD_DELAY=0.1"]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=ROOT,
        env=env_for(var),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = sqlite_path({"LCOM_VAR_DIR": str(var)})
    deadline = time.monotonic() + 120
    while count_docs(db) < 3 and process.poll() is None:
        assert time.monotonic() < deadline, "the crawl linked nothing in time"
        time.sleep(0.05)
    assert process.poll() is None, "the crawl ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert count_docs(db) < sum(len(k["doc_ids"]) for k in expected.values()), "killed too late"

    resumed = lcom(*args, env=env_for(var))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert snapshot(var) == expected


def count_docs(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_replaying_the_spool_doubles_no_hit_and_no_link(crawled: Path, tmp_path: Path) -> None:
    var = copy_of(crawled, tmp_path)
    links = snapshot(var)
    with EsTestServer() as es:
        env = env_for(var, ELASTICSEARCH_URL=es.url)
        assert lcom("es", "setup", env=env).returncode == 0
        for _ in range(2):
            replay = lcom("spool", "replay", env=env)
            assert replay.returncode == 0, replay.stderr[-3000:]
        documents = es.documents()
    assert documents
    assert all(doc.get("seen_count", 1) == 1 for doc in documents.values())
    assert snapshot(var) == links
    # The partial updates were replayed too: every hit of a carousel has all its cities.
    for summary in links.values():
        if summary["kind"] == "contact" and summary["n_cities"] >= 3:
            for doc_id in summary["hit_doc_ids"]:
                assert documents[doc_id]["links"]["n_cities"] == summary["n_cities"]


def test_a_carousel_completed_in_a_later_run_links_the_earlier_runs_ad(
    site: DemoSite, tmp_path: Path
) -> None:
    truth = site.ground_truth
    tour = truth.tours[0]
    first, *later = tour.stops
    var = tmp_path / "var"
    later_ids = "|".join(re.escape(stop.ad_id) for stop in later)
    crawl(site, var, source_file(tmp_path / "first.yaml", ads=f"(?!{later_ids}$)[^/?#]+"))
    key = phone_key(tour.phone_e164)
    assert snapshot(var)[key]["doc_ids"] == [doc_of(first.ad_id)]

    crawl(site, var, source_file(tmp_path / "later.yaml", ads=later_ids))
    summary = snapshot(var)[key]
    assert stops(summary) == expected_stops(truth, tour.phone_e164)
    assert sorted(summary["doc_ids"]) == sorted(doc_of(stop.ad_id) for stop in tour.stops)
    assert doc_of(first.ad_id) in summary["hit_doc_ids"]
    # The first run's hit gets the completed link through a spooled update.
    hits, _updates = spooled(var)
    assert hits[doc_of(first.ad_id)]["links"]["n_cities"] == len(tour.stops)


def test_the_same_ads_under_two_sources_link_across_them(
    site: DemoSite, crawled: Path, tmp_path: Path
) -> None:
    truth = site.ground_truth
    var = copy_of(crawled, tmp_path)
    policy = policy_with_second_source(tmp_path / "policy")
    crawl(site, var, source_file(tmp_path / "mirror.yaml", SECOND_SOURCE), policy=policy)
    keys = snapshot(var)
    for tour in truth.tours:
        summary = keys[phone_key(tour.phone_e164)]
        assert summary["sources"] == sorted(["demo", SECOND_SOURCE])
        assert stops(summary) == expected_stops(truth, tour.phone_e164)
        expected_docs = {doc_of(ad, source) for ad in tour.ad_ids for source in summary["sources"]}
        assert set(summary["doc_ids"]) == expected_docs
    templates = [k for k in keys.values() if k["kind"] == "template"]
    assert any(set(t["sources"]) == {"demo", SECOND_SOURCE} for t in templates)


def test_the_link_store_holds_no_contact_or_name_the_site_shows(
    site: DemoSite, crawled: Path
) -> None:
    truth = site.ground_truth
    db = sqlite_path({"LCOM_VAR_DIR": str(crawled)})
    assert snapshot(crawled)
    raw = b"".join(path.read_bytes() for path in sorted(db.parent.glob(db.name + "*")))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        # Blobs dump as hexadecimal, so a name can only appear here as text.
        dump = "\n".join(conn.iterdump())
    for value in sorted(plain_forms(truth)):
        assert value not in dump, value
        # A short name could turn up by chance in random bytes of hashes.
        if len(value.encode()) >= 6:
            assert value.encode() not in raw, value


def plain_forms(truth: GroundTruth) -> set[str]:
    """Every contact and name as the site shows it, and the other forms of each contact."""
    forms = set(truth.all_names())
    for contact in truth.all_contact_strings():
        forms |= contact_variants(contact)
    return forms
