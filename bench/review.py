"""Review workspace benchmark: the queue page on 10,000 hits in the local store.

Writes ``--hits`` synthetic hit documents (cities, languages, categories, scores and
shared contacts varied) to a spool in a temporary folder, times the first index build
and an incremental refresh, then serves the app on loopback and times whole HTTP
requests of the signed-in queue page (server-rendered HTML, as the browser gets it) for
several views, plus a hit page. Target: the queue page answers in at most 100 ms.
Baseline, measured in the same run: a request for a static file (the server's floor).

    .venv/bin/python bench/review.py [--hits 10000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from crawler.review.app import AppConfig, create_app  # noqa: E402
from crawler.review.local_store import LocalBackend, LocalReviewStore  # noqa: E402
from crawler.review.server import ReviewServer  # noqa: E402
from pipelines.engine.categories import CATEGORIES  # noqa: E402
from pipelines.es.spool import Spool  # noqa: E402

TARGET_MS = 100.0
TOKEN = "bench-token"
CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Venlo", "Breda", "Zwolle", "Arnhem", "Iași"]
LANGS = ["nl", "en", "de", "ro", "bg", "hu", "pl", "es"]
WORDS = [
    "nieuw",
    "in",
    "de",
    "stad",
    "alleen",
    "deze",
    "week",
    "24/7",
    "beschikbaar",
    "discreet",
    "privé",
    "ontvangst",
]


def synthetic_hit(n: int, rng: random.Random) -> dict[str, Any]:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 80)))
    cats = rng.sample(CATEGORIES, rng.randint(1, 4))
    day = 1 + n % 28
    seen = f"2026-11-{day:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
    indicators = []
    for cat in cats:
        start = rng.randrange(0, max(1, len(text) - 10))
        indicators.append(
            {
                "category": cat,
                "rule": f"{cat}.nl.bench",
                "weight": 1.0,
                "evidence": {
                    "field": "text",
                    "snippet": text[start : start + 10],
                    "start": start,
                    "end": start + 10,
                },
            }
        )
    return {
        "doc_id": f"bench:{n:032x}",
        "source": rng.choice(["demo", "site-a", "site-b"]),
        "source_ad_id": f"ad-{n}",
        "url": f"http://127.0.0.1/ad/{n}",
        "title": f"Ad {n}: " + " ".join(rng.choice(WORDS) for _ in range(6)),
        "text": text,
        "lang": rng.choice(LANGS),
        "city": rng.choice(CITIES),
        "posted": seen[:10],
        "indicators": indicators,
        "categories": cats,
        "score": float(len(cats)),
        "hit": True,
        "contact_pseudonyms": [f"{rng.randrange(n // 3 + 1):064x}"],
        "evidence": {"body_sha256": "ab" * 32, "fetched_at": seen},
        "policy": {"version": "bench", "authorisation_id": "AUTH-BENCH"},
        "first_seen": seen,
        "last_seen": seen,
        "seen_count": 1,
        "review": {"state": "new"},
    }


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="lcom-bench-review-") as tmp:
        var = Path(tmp)
        with Spool(var / "spool", fsync=False) as spool:
            for n in range(args.hits):
                spool.append(synthetic_hit(n, rng))
        store = LocalReviewStore(var / "spool", var / "review.sqlite")
        start = time.perf_counter()
        store.refresh(force=True)
        build_s = time.perf_counter() - start
        with Spool(var / "spool", fsync=False) as spool:
            for n in range(args.hits, args.hits + 100):
                spool.append(synthetic_hit(n, rng))
        start = time.perf_counter()
        store.refresh(force=True)
        incremental_ms = (time.perf_counter() - start) * 1000
        for n in range(0, args.hits, 7):  # some decided hits in other tabs
            store.record_decision(
                f"bench:{n:032x}",
                rng.choice(["relevant", "not_relevant"]),
                "",
                "",
                username="bench",
            )
        backend = LocalBackend(store, TOKEN, username="bench")
        app = create_app(backend, AppConfig(audit_log=var / "audit.jsonl"))
        with ReviewServer(app) as server, httpx.Client(base_url=server.base_url) as client:
            assert client.get("/login", params={"token": TOKEN}).status_code == 303

            def get(path: str) -> Callable[[], None]:
                def call() -> None:
                    resp = client.get(path)
                    assert resp.status_code == 200, (path, resp.status_code)

                return call

            views = {
                "queue, newest first": "/",
                "queue, highest score first": "/?sort=score",
                "queue, category + city filter": "/?category=movement&city=Venlo",
                "queue, carousel filter": "/?link=carousel",
                "queue, page 100": "/?page=100",
                "queue, relevant tab": "/?state=relevant",
                "hit page": f"/hit/bench:{1:032x}",
            }
            base_med, base_p95 = timed(get("/static/review.css"), args.rounds)
            total = args.hits + 100
            print(f"review workspace, local store, {total:,} hits")
            print(f"  index build (first start)      {build_s:8.2f} s")
            print(f"  incremental refresh (+100 hits) {incremental_ms:7.1f} ms")
            print(
                f"  baseline: static file           {base_med:7.1f} ms median, "
                f"{base_p95:.1f} ms p95"
            )
            worst = 0.0
            for name, path in views.items():
                med, p95 = timed(get(path), args.rounds)
                if name.startswith("queue"):
                    worst = max(worst, med)
                print(
                    f"  {name:<32} {med:7.1f} ms median, {p95:6.1f} ms p95 "
                    f"({med / base_med:.1f}x baseline)"
                )
        store.close()
    verdict = "meets" if worst <= TARGET_MS else "MISSES"
    print(f"slowest queue view {worst:.1f} ms median: {verdict} the {TARGET_MS:.0f} ms target")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
