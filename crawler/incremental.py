"""Incremental recrawls: remember which ads a source showed, fetch only new or changed ones.

Per source, a small SQLite store (``LCOM_SEEN_DB``, default
``<LCOM_VAR_DIR>/seen.sqlite``) keeps for every ad id seen: the *listing signature* (a
hash of the ad's card on the listing page: its title snippet, city and date as the site
lists them), the hash of the ad page, its ``posted`` value, the ``ETag`` and
``Last-Modified`` validators the site sent, the hit's ``doc_id`` when the ad was a hit,
and when it was first and last seen. It holds ids, hashes and dates only: never ad text
or contact details.

A recrawl reads every listing page (they are how new ads are found) and, for each card:

- a new ad id, or a card whose signature changed: the ad page is fetched; when the site
  sent validators last time, the request is conditional (``If-None-Match``,
  ``If-Modified-Since``) and a ``304 Not Modified`` counts as unchanged;
- an unchanged card: the ad page is not requested at all (stat
  ``lcom/incremental/unchanged``). Requests never made do not count against the policy's
  page cap. When the ad was a hit, its ``last_seen`` in Elasticsearch is moved forward
  at the end of the run, for all such hits in one bulk call
  (:func:`pipelines.es.touch.touch_last_seen`).

The source config's ``incremental`` block names the card and link selectors; a source
without it is crawled in full every time. ``-s LCOM_INCREMENTAL=0`` forces a full crawl.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_ads (
    source TEXT NOT NULL,
    ad_id TEXT NOT NULL,
    listing_sig TEXT,
    content_hash TEXT,
    posted TEXT,
    etag TEXT,
    last_modified TEXT,
    doc_id TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (source, ad_id)
)
"""
#: Longest header value kept (a hostile site could send anything).
MAX_VALIDATOR = 200


def signature(text: str) -> str:
    """The listing signature of one card's normalised text."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:32]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SeenAd:
    ad_id: str
    listing_sig: str | None = None
    content_hash: str | None = None
    posted: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    doc_id: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class SeenStore:
    """The seen ads of one source; changes are buffered and written by :meth:`flush`."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = Path(path)
        self.source = source
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)
        self._db.commit()
        self.ads: dict[str, SeenAd] = {}
        for row in self._db.execute(
            "SELECT ad_id, listing_sig, content_hash, posted, etag, last_modified, doc_id, "
            "first_seen, last_seen FROM seen_ads WHERE source = ?",
            (source,),
        ):
            self.ads[row[0]] = SeenAd(*row)
        self._dirty: set[str] = set()
        #: Ads found unchanged in this run.
        self.touched: set[str] = set()

    def get(self, ad_id: str) -> SeenAd | None:
        return self.ads.get(ad_id)

    def _entry(self, ad_id: str) -> SeenAd:
        entry = self.ads.get(ad_id)
        if entry is None:
            entry = self.ads[ad_id] = SeenAd(ad_id, first_seen=_now())
        self._dirty.add(ad_id)
        return entry

    def fetched(
        self,
        ad_id: str,
        *,
        listing_sig: str | None,
        content_hash: str,
        posted: str | None,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        """An ad page was fetched and read; its doc_id is set again if it is (still) a hit."""
        entry = self._entry(ad_id)
        if listing_sig:
            entry.listing_sig = listing_sig
        entry.content_hash = content_hash
        entry.posted = (posted or "")[:64] or None
        entry.etag = (etag or "")[:MAX_VALIDATOR] or None
        entry.last_modified = (last_modified or "")[:MAX_VALIDATOR] or None
        entry.doc_id = None
        entry.last_seen = _now()
        self.touched.discard(ad_id)

    def unchanged(self, ad_id: str, listing_sig: str | None = None) -> SeenAd:
        """The ad was listed unchanged (or answered 304): only ``last_seen`` moves."""
        entry = self._entry(ad_id)
        if listing_sig:
            entry.listing_sig = listing_sig
        entry.last_seen = _now()
        self.touched.add(ad_id)
        return entry

    def unchanged_hits(self) -> list[str]:
        """doc_ids of the hits found unchanged in this run (their ``last_seen`` moves)."""
        return sorted(
            entry.doc_id for ad_id in self.touched if (entry := self.ads[ad_id]).doc_id is not None
        )

    def hit(self, ad_id: str, doc_id: str) -> None:
        self._entry(ad_id).doc_id = doc_id

    def flush(self) -> int:
        rows = [
            (
                self.source,
                e.ad_id,
                e.listing_sig,
                e.content_hash,
                e.posted,
                e.etag,
                e.last_modified,
                e.doc_id,
                e.first_seen or _now(),
                e.last_seen or _now(),
            )
            for e in (self.ads[ad_id] for ad_id in sorted(self._dirty))
        ]
        if rows:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO seen_ads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
        self._dirty.clear()
        return len(rows)

    def close(self) -> None:
        self.flush()
        self._db.close()


def store_path(settings_get: object, var_dir: str | None) -> Path:
    configured = settings_get if isinstance(settings_get, str) and settings_get else None
    return Path(configured) if configured else Path(var_dir or "var") / "seen.sqlite"
