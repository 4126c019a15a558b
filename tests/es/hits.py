"""Synthetic hit documents shaped like docs/data-model.md section 3."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from pipelines.elasticsearch import ElasticsearchPipeline


def make_hit(
    prefix: str, n: int, *, seen: str = "2026-11-29T05:40:00Z", **overrides: Any
) -> dict[str, Any]:
    ad_id = f"ad-{n:05d}"
    digest = hashlib.sha256(f"demo\n{ad_id}".encode()).hexdigest()[:32]
    hit: dict[str, Any] = {
        "doc_id": f"{prefix}{digest}",
        "source": "demo",
        "source_ad_id": ad_id,
        "url": f"http://127.0.0.1:8123/ads/{ad_id}.html",
        "title": "NIEUW in Utrecht [phone:1a2b3c4d]",
        "text": "net aangekomen in Utrecht, 24/7 beschikbaar",
        "lang": "nl",
        "lang_confidence": 0.99,
        "city": "Utrecht",
        "posted": "2026-11-20",
        "stated_age": 19,
        "price": {"amount": 150.0, "currency": "EUR", "per_hours": 1.0},
        "indicators": [
            {
                "category": "movement",
                "rule": "movement.nl.net_aangekomen",
                "weight": 1.0,
                "evidence": {
                    "field": "text",
                    "snippet": "net aangekomen in Utrecht",
                    "start": 0,
                    "end": 25,
                },
            }
        ],
        "categories": ["movement", "availability_24_7"],
        "score": 2.0,
        "hit": True,
        "lexicon_version": "2026.11.1",
        "contacts": [{"kind": "phone", "pseudonym": "ab" * 32, "key_id": "k2026"}],
        "contact_pseudonyms": ["ab" * 32],
        "evidence": {
            "body_sha256": "cd" * 32,
            "fetched_at": seen,
            "http_status": 200,
            "rendered_js": False,
        },
        "policy": {
            "version": "2026.11-demo",
            "hash": "sha256:" + "ef" * 32,
            "authorisation_id": "AUTH-DEMO-1",
            "legal_basis_id": "demo-basis",
        },
        # One run per observation time unless a test says otherwise: seen_count
        # counts runs.
        "run_id": "run-" + seen.replace(":", "").replace("-", ""),
        "first_seen": seen,
        "last_seen": seen,
        "seen_count": 1,
        "review": {"state": "new"},
    }
    hit.update(overrides)
    return hit


def spool_only_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Crawler, ElasticsearchPipeline]:
    """The Elasticsearch pipeline of a crawl without a cluster: hits go to the spool
    ``tmp_path`` only."""
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    crawler = get_crawler(settings_dict={"LCOM_SPOOL_DIR": str(tmp_path)})
    return crawler, ElasticsearchPipeline.from_crawler(crawler)
