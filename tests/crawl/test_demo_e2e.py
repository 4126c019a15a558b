"""End-to-end: real crawls of the demo site, in a subprocess (one reactor per process)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demosite import DemoSite
from pipelines.es.spool import segment_documents

ROOT = Path(__file__).resolve().parents[2]


def lcom(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def base_env(tmp_path: Path) -> dict[str, str]:
    # The suite's compiled lexicons stay shared (tests/conftest.py).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ELASTICSEARCH_", "LCOM_")) or k == "LCOM_LEXICON_CACHE"
    }
    env.update(
        LCOM_VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def spooled_hits(var_dir: Path) -> list[dict]:
    """The hit documents in the spool (partial updates of earlier hits left out)."""
    hits = []
    for path in sorted((var_dir / "spool").rglob("*.jsonl")):
        hits += segment_documents(path.parent, path.name)
    return hits


def squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


@pytest.mark.browser
def test_make_demo_is_quiet_and_ends_with_summary_and_hits_in_the_spool(tmp_path: Path) -> None:
    # `make demo` as a new user runs it (the set-up step is taken as done: -o STAMP).
    env = base_env(tmp_path)
    env["PYTHONUNBUFFERED"] = "1"
    venv = Path(sys.executable).parent.parent
    command = ["make", "-o", f"{venv}/.installed-stamp", "demo", f"VENV={venv}",
               "DEMO_ARGS=--ads 40"]  # fmt: skip
    completed = subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=240, check=False,
    )  # fmt: skip
    result = subprocess.CompletedProcess(command, completed.returncode, completed.stdout, "")
    assert result.returncode == 0, result.stdout[-3000:]
    before_summary = result.stdout.split("lcom run ")[0].splitlines()
    assert len(before_summary) <= 40, "\n".join(before_summary)
    assert "Gave up retrying" not in result.stdout
    assert "Overridden settings" not in result.stdout
    assert "hits per indicator" in result.stdout
    assert "requests blocked by guardrails" in result.stdout
    hits = spooled_hits(tmp_path / "var")
    assert hits, result.stdout
    assert all(hit["hit"] and hit["policy"]["version"] for hit in hits)


@pytest.mark.browser
def test_crawl_extracts_fields_matching_the_ground_truth_including_javascript_pages(
    tmp_path: Path,
) -> None:
    capture = tmp_path / "items.jsonl"
    with DemoSite(port=0, ads=40, seed=11, crawl_delay=0.01) as site:
        env = base_env(tmp_path)
        env["LCOM_DEMO"] = "1"
        pipelines = {
            "pipelines.language.LanguagePipeline": 100,
            "tests.crawl.capture.CapturePipeline": 150,
            "pipelines.pseudonymize.PseudonymizePipeline": 200,
            "pipelines.indicators.IndicatorPipeline": 300,
            "pipelines.minimize.MinimizePipeline": 400,
            "pipelines.elasticsearch.ElasticsearchPipeline": 900,
        }
        result = lcom(
            "crawl",
            "demo",
            "--base-url",
            site.base_url,
            "-s",
            f"ITEM_PIPELINES={json.dumps(pipelines)}",
            "-s",
            f"LCOM_TEST_CAPTURE={capture}",
            "-s",
            "DOWNLOAD_DELAY=0",
            env=env,
        )
        truth = site.ground_truth
    assert result.returncode == 0, result.stderr[-3000:]
    items = {
        item["source_ad_id"]: item for item in map(json.loads, capture.read_text().splitlines())
    }
    expected = {ad_id for ad_id, ad in truth.ads.items() if ad.section in ("static", "js")}
    assert expected <= set(items), sorted(expected - set(items))[:10]
    js_ads = [ad_id for ad_id, ad in truth.ads.items() if ad.section == "js"]
    assert js_ads, "the demo site has a JavaScript section"
    assert all(items[ad_id]["rendered_js"] for ad_id in js_ads)
    for ad_id in expected:
        ad, item = truth.ads[ad_id], items[ad_id]
        assert squash(item["title"]) == squash(ad.title), ad_id
        assert squash(item["text"]) == squash(ad.text), ad_id
        assert item["city"] == ad.city, ad_id
        assert item["posted"] == ad.posted, ad_id
        assert item["age_text"] is not None and str(ad.age) in item["age_text"], ad_id
        assert squash(item["price_text"]) == squash(ad.price_text), ad_id
    correct_lang = sum(items[ad_id]["lang"] == truth.ads[ad_id].lang for ad_id in expected)
    assert correct_lang >= 0.9 * len(expected)
    # The windows-1250 page (charset only in a meta tag) decodes to the right text.
    bad = [ad for ad in truth.ads.values() if ad.section == "bad"]
    for ad in bad:
        assert ad.ad_id in items, ad.ad_id
        assert squash(items[ad.ad_id]["text"]) == squash(ad.text)
