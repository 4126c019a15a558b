"""Fixtures for the review workspace: spools of hits, the app on a loopback port."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from crawler.review.app import AppConfig, create_app
from crawler.review.local_store import LocalBackend, LocalReviewStore
from crawler.review.server import ReviewServer
from crawler.review.store import ReviewBackend
from pipelines.es.spool import Spool
from tests.es.hits import make_hit

TOKEN = "test-token-" + "x" * 20
HOSTILE_TITLE = '<script>window.__xss = 1</script> Anna <img src=x onerror="window.__xss = 2">'
HOSTILE_TEXT = (
    "Nieuw in Utrecht! <script>window.__xss = 3</script> "
    '<img src=x onerror="window.__xss = 4"> '
    '<a href="javascript:window.__xss = 5">klik</a> 24/7 beschikbaar'
)
HOSTILE_URL = "javascript:window.__xss=6//http://ads.example/ad/1"


def hostile_hit() -> dict[str, Any]:
    """An ad whose title, text and URL try to run script in the page that shows them."""
    start = HOSTILE_TEXT.index("24/7")
    return make_hit(
        "demo:",
        99_999,
        title=HOSTILE_TITLE,
        text=HOSTILE_TEXT,
        url=HOSTILE_URL,
        city='Utrecht"><svg onload="window.__xss=7">',
        score=9.5,
        categories=["availability_24_7"],
        indicators=[
            {
                "category": "availability_24_7",
                "rule": "availability_24_7.nl.<b>24_7</b>",
                "weight": 0.5,
                "evidence": {
                    "field": "text",
                    "snippet": "<script>alert(1)</script>",
                    "start": start,
                    "end": start + 4,
                },
            }
        ],
        context={"decision": "<i>ad</i>", "reason": "<script>window.__xss = 8</script>"},
    )


def write_spool(directory: Path, docs: list[dict[str, Any]]) -> None:
    with Spool(directory, fsync=False) as spool:
        for doc in docs:
            spool.append(doc)


@dataclass
class RunningApp:
    server: ReviewServer
    backend: ReviewBackend
    audit_log: Path

    @property
    def url(self) -> str:
        return self.server.base_url

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    @contextlib.contextmanager
    def signed_in(self) -> Iterator[httpx.Client]:
        with self.client() as client:
            resp = client.get("/login", params={"token": TOKEN})
            assert resp.status_code == 303, resp.text
            yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def start_local_app(var_dir: Path, **config: Any) -> tuple[ReviewServer, LocalBackend, Path]:
    store = LocalReviewStore(var_dir / "spool", var_dir / "review.sqlite")
    backend = LocalBackend(store, TOKEN, username="investigator")
    audit_log = var_dir / "audit.jsonl"
    app = create_app(backend, AppConfig(audit_log=audit_log, **config))
    return ReviewServer(app).start(), backend, audit_log


@pytest.fixture
def local_app(tmp_path: Path) -> Iterator[RunningApp]:
    """The app on a small synthetic spool (three ordinary hits and a hostile one)."""
    var = tmp_path / "var"
    write_spool(var / "spool", [make_hit("demo:", n) for n in range(3)] + [hostile_hit()])
    server, backend, audit_log = start_local_app(var)
    try:
        yield RunningApp(server, backend, audit_log)
    finally:
        server.stop()
        backend.close()
