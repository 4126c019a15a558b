"""Embedded review store: hits from the local spool, decisions in SQLite.

``<LCOM_VAR_DIR>/review.sqlite`` (mode 0600) holds two kinds of tables:

* the **queue index**, derived from the spool and rebuilt from it at will: one row per
  hit (its newest observation), its contact pseudonyms, and per pseudonym how many hits
  and cities share it. It follows the spool incrementally: a segment that grew or
  appeared is read again; when a segment disappeared (retention, ``lcom purge``, sent
  to Elasticsearch) the index is rebuilt, so a hit erased from the spool leaves the
  workspace too;
* the **decisions**, the record of truth: appended, never edited, each with who and when.

The spool is read through :func:`pipelines.es.spool.spool_segments` and
:func:`~pipelines.es.spool.segment_items`, the reader ``lcom spool`` uses; a partial
update in the spool (an earlier hit gets the ``links`` of a link a later ad completed)
is applied to the indexed hit as Elasticsearch applies it.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.review.model import (
    DECISIONS,
    PER_PAGE,
    QUEUE_STATES,
    DecisionRecord,
    Facets,
    HitDetail,
    HitSummary,
    LinkedAd,
    QueuePage,
    QueueQuery,
)
from crawler.review.store import DecisionRefused, LoginFailed, Principal
from pipelines.es.spool import HitUpdate, segment_items, spool_segments

logger = logging.getLogger(__name__)

DB_NAME = "review.sqlite"
#: Seconds between two looks at the spool's segment files.
REFRESH_INTERVAL = 1.0

#: Version of the queue index tables; another version is dropped and rebuilt from the
#: spool at start (decisions are kept).
SCHEMA_VERSION = 3
_INDEX_TABLES = ("segments", "hits", "hit_docs", "hit_contacts", "pseudonyms")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    name TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hits (
    doc_id TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'new',
    link INTEGER NOT NULL DEFAULT 0,
    contact_cluster TEXT, template_cluster TEXT,
    last_seen TEXT NOT NULL, first_seen TEXT, posted TEXT,
    score REAL NOT NULL DEFAULT 0, source TEXT, lang TEXT, city TEXT, title TEXT,
    categories TEXT NOT NULL DEFAULT ' ', link_hint INTEGER NOT NULL DEFAULT 0);
-- The whole documents apart, so that queue scans read narrow rows only.
CREATE TABLE IF NOT EXISTS hit_docs (doc_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS hits_by_city ON hits (city COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS hits_by_lang ON hits (lang COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS hits_by_source ON hits (source COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS hits_by_seen ON hits (state, last_seen DESC, doc_id);
CREATE INDEX IF NOT EXISTS hits_by_score ON hits (state, score DESC, last_seen DESC, doc_id);
CREATE INDEX IF NOT EXISTS hits_by_template ON hits (template_cluster);
CREATE INDEX IF NOT EXISTS hits_by_contact_cluster ON hits (contact_cluster);
CREATE TABLE IF NOT EXISTS hit_contacts (
    pseudonym TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (pseudonym, doc_id))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hit_contacts_by_doc ON hit_contacts (doc_id);
CREATE TABLE IF NOT EXISTS pseudonyms (
    pseudonym TEXT PRIMARY KEY, hits INTEGER NOT NULL, cities INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL, decision TEXT NOT NULL, state TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL, reviewed_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS decisions_by_doc ON decisions (doc_id, id);
"""

_ORDER = {
    "newest": "last_seen DESC, doc_id",
    "score": "score DESC, last_seen DESC, doc_id",
}
_SUMMARY_COLUMNS = "doc_id, title, city, source, lang, score, categories, last_seen, state, link"
_LINK_NAMES = {0: "", 1: "shared", 2: "carousel"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _updated(tx: sqlite3.Connection, update: HitUpdate) -> dict[str, Any] | None:
    """The indexed hit with ``update`` applied, or ``None`` when it is not indexed (its
    segment is gone) or was indexed from an observation made after the update."""
    row = tx.execute("SELECT doc FROM hit_docs WHERE doc_id = ?", (update.doc_id,)).fetchone()
    if row is None:
        return None
    stored = json.loads(row[0])
    if not isinstance(stored, dict):
        return None
    try:
        seen = datetime.fromisoformat(str(stored.get("last_seen")).replace("Z", "+00:00"))
        made = datetime.fromisoformat(update.at.replace("Z", "+00:00"))
        if seen.astimezone(UTC) > made.astimezone(UTC):
            return None
    except ValueError:
        pass  # no comparable dates: apply it
    return update.apply(stored)


class LocalReviewStore:
    """The queue index and the decision ledger in one SQLite file; safe across threads."""

    def __init__(self, spool_dir: Path, db_path: Path) -> None:
        self.spool_dir = Path(spool_dir)
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._refresh_lock = threading.Lock()
        self._last_refresh = 0.0
        self._facets: Facets | None = None
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        # Created owner-only before SQLite opens it: it holds hit texts.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        db = self._db()
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            for table in _INDEX_TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")  # derived data: rebuilt
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.executescript(_SCHEMA)

    # ------------------------------------------------------------------ plumbing

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # ------------------------------------------------------------------ the index

    def refresh(self, *, force: bool = False) -> int:
        """Bring the queue index up to date with the spool; returns documents read."""
        now = time.monotonic()
        if not force and now - self._last_refresh < REFRESH_INTERVAL:
            return 0
        with self._refresh_lock:
            segments = spool_segments(self.spool_dir) if self.spool_dir.is_dir() else []
            db = self._db()
            known = {
                name: (size, mtime)
                for name, size, mtime in db.execute("SELECT name, size, mtime_ns FROM segments")
            }
            current = {s.name for s in segments}
            rebuild = any(name not in current for name in known)
            changed = [s for s in segments if rebuild or known.get(s.name) != (s.size, s.mtime_ns)]
            read = 0
            if rebuild or changed:
                with self._tx() as tx:
                    if rebuild:
                        logger.info("spool segments were removed: rebuilding the review index")
                        for table in _INDEX_TABLES:
                            tx.execute(f"DELETE FROM {table}")
                    for segment in changed:
                        docs = segment_items(self.spool_dir, segment.name)
                        read += len(docs)
                        self._upsert(tx, docs)
                        tx.execute(
                            "INSERT OR REPLACE INTO segments VALUES (?, ?, ?)",
                            (segment.name, segment.size, segment.mtime_ns),
                        )
                self._facets = None
            self._last_refresh = time.monotonic()
            return read

    def _upsert(self, tx: sqlite3.Connection, items: Iterable[dict[str, Any] | HitUpdate]) -> None:
        tx.execute("CREATE TEMP TABLE IF NOT EXISTS touched (doc_id TEXT PRIMARY KEY)")
        tx.execute("CREATE TEMP TABLE IF NOT EXISTS touched_p (pseudonym TEXT PRIMARY KEY)")
        tx.execute("DELETE FROM touched")
        tx.execute("DELETE FROM touched_p")
        for item in items:
            doc = _updated(tx, item) if isinstance(item, HitUpdate) else item
            if doc is None:
                continue
            doc_id, last_seen = _str(doc.get("doc_id")), _str(doc.get("last_seen"))
            if not doc_id or not last_seen:
                continue
            stored = tx.execute("SELECT last_seen FROM hits WHERE doc_id = ?", (doc_id,)).fetchone()
            if stored is not None and stored[0] > last_seen:
                continue  # an older observation of a hit already indexed
            categories = doc.get("categories")
            cats = (
                [c for c in categories if isinstance(c, str)]
                if isinstance(categories, list)
                else []
            )
            score = doc.get("score")
            links = doc.get("links") if isinstance(doc.get("links"), dict) else {}
            assert isinstance(links, dict)
            n_cities = links.get("n_cities")
            row = (
                doc_id,
                _str(links.get("contact_cluster")) or None,
                _str(links.get("template_cluster")) or None,
                2 if isinstance(n_cities, int) and n_cities > 1 else 0,
                last_seen,
                _str(doc.get("first_seen")) or last_seen,
                _str(doc.get("posted")),
                float(score) if isinstance(score, int | float) else 0.0,
                _str(doc.get("source")),
                _str(doc.get("lang")),
                _str(doc.get("city")),
                _str(doc.get("title")),
                " " + " ".join(cats) + " ",
                2 if isinstance(n_cities, int) and n_cities > 1 else 0,
            )
            tx.execute(
                "INSERT INTO hits (doc_id, contact_cluster, template_cluster, link, last_seen,"
                " first_seen, posted, score, source, lang, city, title, categories, link_hint)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (doc_id) DO UPDATE SET last_seen = excluded.last_seen,"
                " contact_cluster = excluded.contact_cluster,"
                " template_cluster = excluded.template_cluster, link = excluded.link,"
                " first_seen = min(coalesce(hits.first_seen, excluded.first_seen),"
                " excluded.first_seen), posted = excluded.posted, score = excluded.score,"
                " source = excluded.source, lang = excluded.lang, city = excluded.city,"
                " title = excluded.title, categories = excluded.categories,"
                " link_hint = excluded.link_hint",
                row,
            )
            tx.execute(
                "INSERT OR REPLACE INTO hit_docs VALUES (?, ?)",
                (doc_id, json.dumps(doc, ensure_ascii=False)),
            )
            tx.execute("INSERT OR IGNORE INTO touched VALUES (?)", (doc_id,))
            for (old,) in tx.execute(
                "SELECT pseudonym FROM hit_contacts WHERE doc_id = ?", (doc_id,)
            ).fetchall():
                tx.execute("INSERT OR IGNORE INTO touched_p VALUES (?)", (old,))
            tx.execute("DELETE FROM hit_contacts WHERE doc_id = ?", (doc_id,))
            pseudonyms = doc.get("contact_pseudonyms")
            for p in pseudonyms if isinstance(pseudonyms, list) else []:
                if isinstance(p, str) and p:
                    tx.execute("INSERT OR IGNORE INTO hit_contacts VALUES (?, ?)", (p, doc_id))
                    tx.execute("INSERT OR IGNORE INTO touched_p VALUES (?)", (p,))
        # A hit's queue state is its latest decision (decisions outlive index rebuilds).
        tx.execute(
            "UPDATE hits SET state = coalesce((SELECT state FROM decisions d"
            " WHERE d.doc_id = hits.doc_id ORDER BY id DESC LIMIT 1), 'new')"
            " WHERE doc_id IN (SELECT doc_id FROM touched)"
        )
        tx.execute("DELETE FROM pseudonyms WHERE pseudonym IN (SELECT pseudonym FROM touched_p)")
        tx.execute(
            "INSERT INTO pseudonyms SELECT c.pseudonym, count(*), count(DISTINCT h.city)"
            " FROM hit_contacts c JOIN hits h ON h.doc_id = c.doc_id"
            " WHERE c.pseudonym IN (SELECT pseudonym FROM touched_p) GROUP BY c.pseudonym"
        )
        tx.execute(
            "UPDATE hits SET link = max(link_hint, coalesce((SELECT max("
            "CASE WHEN p.cities > 1 THEN 2 WHEN p.hits > 1 THEN 1 ELSE 0 END)"
            " FROM hit_contacts c JOIN pseudonyms p"
            " ON p.pseudonym = c.pseudonym WHERE c.doc_id = hits.doc_id), 0))"
            " WHERE doc_id IN (SELECT doc_id FROM hit_contacts"
            " WHERE pseudonym IN (SELECT pseudonym FROM touched_p)) OR doc_id IN touched"
        )

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _where(query: QueueQuery, *, with_state: bool) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if with_state:
            clauses.append("state = ?")
            args.append(query.state)
        if query.category:
            clauses.append("categories LIKE ?")
            args.append(f"% {query.category} %")
        for column in ("lang", "source", "city"):
            value = getattr(query, column)
            if value:
                clauses.append(f"{column} = ? COLLATE NOCASE")
                args.append(value)
        if query.date_from:
            clauses.append("last_seen >= ?")
            args.append(query.date_from)
        if query.date_to:
            clauses.append("last_seen < ?")
            args.append((date.fromisoformat(query.date_to) + timedelta(days=1)).isoformat())
        if query.link == "template":
            clauses.append(
                "template_cluster IS NOT NULL AND EXISTS (SELECT 1 FROM hits t"
                " WHERE t.template_cluster = hits.template_cluster AND t.doc_id <> hits.doc_id)"
            )
        elif query.link:
            clauses.append("link >= ?")
            args.append(2 if query.link == "carousel" else 1)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def queue(self, query: QueueQuery) -> QueuePage:
        self.refresh()
        db = self._db()
        where, args = self._where(query, with_state=True)
        rows = db.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM hits{where} ORDER BY {_ORDER[query.sort]}"
            " LIMIT ? OFFSET ?",
            [*args, PER_PAGE, query.offset],
        ).fetchall()
        where_all, args_all = self._where(query, with_state=False)
        counts = dict.fromkeys(QUEUE_STATES, 0)
        for state, count in db.execute(
            f"SELECT state, count(*) FROM hits{where_all} GROUP BY state",
            args_all,
        ):
            counts[state] = count
        items = [
            HitSummary(
                doc_id=r[0],
                title=r[1] or "",
                city=r[2] or "",
                source=r[3] or "",
                lang=r[4] or "",
                score=float(r[5]),
                categories=tuple(r[6].split()),
                last_seen=r[7],
                state=r[8],
                link=_LINK_NAMES.get(r[9], ""),
            )
            for r in rows
        ]
        return QueuePage(query, items, counts.get(query.state, 0), counts)

    def facets(self) -> Facets:
        self.refresh()
        if self._facets is None:
            db = self._db()

            def distinct(column: str) -> tuple[str, ...]:
                return tuple(
                    v
                    for (v,) in db.execute(
                        f"SELECT DISTINCT {column} FROM hits WHERE {column} IS NOT NULL"
                        f" ORDER BY {column} LIMIT 500"
                    )
                )

            self._facets = Facets(
                languages=distinct("lang"), sources=distinct("source"), cities=distinct("city")
            )
        return self._facets

    def neighbours(self, query: QueueQuery, doc_id: str) -> tuple[str | None, str | None]:
        self.refresh()
        where, args = self._where(query, with_state=True)
        ids = [
            r[0]
            for r in self._db().execute(
                f"SELECT doc_id FROM hits{where} ORDER BY {_ORDER[query.sort]}",
                args,
            )
        ]
        try:
            at = ids.index(doc_id)
        except ValueError:
            return None, ids[0] if ids else None
        return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)

    def hit(self, doc_id: str) -> HitDetail | None:
        self.refresh()
        db = self._db()
        row = db.execute(
            "SELECT d.doc, h.state FROM hits h JOIN hit_docs d ON d.doc_id = h.doc_id"
            " WHERE h.doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        decisions = [
            DecisionRecord(doc_id, d, unit, note, by, at)
            for d, unit, note, by, at in db.execute(
                "SELECT decision, unit, note, reviewed_by, reviewed_at FROM decisions"
                " WHERE doc_id = ? ORDER BY id DESC LIMIT 50",
                (doc_id,),
            )
        ]
        linked = [
            LinkedAd(
                r[0],
                r[1] or "",
                r[2] or "",
                r[3] or "",
                r[4] or "",
                r[5],
                r[6] or "",
                via.replace(",", ", "),
            )
            for *r, via in db.execute(
                "SELECT h.doc_id, h.title, h.city, h.source, h.first_seen, h.last_seen,"
                " h.posted, group_concat(DISTINCT l.via) FROM ("
                " SELECT b.doc_id, 'same contact' AS via FROM hit_contacts a"
                " JOIN hit_contacts b ON b.pseudonym = a.pseudonym AND b.doc_id <> a.doc_id"
                " WHERE a.doc_id = :id"
                " UNION SELECT t.doc_id, 'same contact cluster' FROM hits s JOIN hits t"
                " ON t.contact_cluster = s.contact_cluster AND t.doc_id <> s.doc_id"
                " WHERE s.doc_id = :id"
                " UNION SELECT t.doc_id, 'same template' FROM hits s JOIN hits t"
                " ON t.template_cluster = s.template_cluster AND t.doc_id <> s.doc_id"
                " WHERE s.doc_id = :id) l JOIN hits h ON h.doc_id = l.doc_id"
                " GROUP BY h.doc_id ORDER BY h.first_seen, h.doc_id LIMIT 100",
                {"id": doc_id},
            )
        ]
        return HitDetail(json.loads(row[0]), row[1], decisions, linked)

    # ------------------------------------------------------------------ deciding

    def record_decision(
        self, doc_id: str, decision: str, unit: str, note: str, *, username: str
    ) -> DecisionRecord:
        """Append a decision by ``username`` and move the hit to its queue state."""
        if decision not in DECISIONS:
            raise DecisionRefused(f"unknown decision {decision!r}")
        # Locally the queue keeps escalations apart; in Elasticsearch they are
        # review.state "relevant" with the label "escalated" (see model.STATE_OF_DECISION).
        state = decision
        record = DecisionRecord(doc_id, decision, unit, note, username, _now())
        self.refresh()
        with self._tx() as tx:
            if tx.execute("SELECT 1 FROM hits WHERE doc_id = ?", (doc_id,)).fetchone() is None:
                raise DecisionRefused("no such hit in the local spool (purged?)")
            tx.execute(
                "INSERT INTO decisions (doc_id, decision, state, unit, note, reviewed_by,"
                " reviewed_at) VALUES (?,?,?,?,?,?,?)",
                (doc_id, decision, state, unit, note, record.reviewed_by, record.reviewed_at),
            )
            tx.execute("UPDATE hits SET state = ? WHERE doc_id = ?", (state, doc_id))
        return record

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class LocalUserStore:
    """:class:`LocalReviewStore` as seen by one signed-in user (decisions carry their name)."""

    def __init__(self, store: LocalReviewStore, username: str) -> None:
        self._store = store
        self.username = username

    def queue(self, query: QueueQuery) -> QueuePage:
        return self._store.queue(query)

    def facets(self) -> Facets:
        return self._store.facets()

    def hit(self, doc_id: str) -> HitDetail | None:
        return self._store.hit(doc_id)

    def neighbours(self, query: QueueQuery, doc_id: str) -> tuple[str | None, str | None]:
        return self._store.neighbours(query, doc_id)

    def decide(self, doc_id: str, decision: str, unit: str, note: str) -> DecisionRecord:
        return self._store.record_decision(doc_id, decision, unit, note, username=self.username)


class LocalBackend:
    """Embedded default: one start-up token signs in; decisions go to SQLite."""

    kind = "local"

    def __init__(self, store: LocalReviewStore, token: str, *, username: str = "") -> None:
        self._store = store
        self._token = token
        self.username = username or _os_user()

    def authenticate(self, form: Mapping[str, str]) -> Principal:
        import hmac

        given = (form.get("token") or "").strip()
        if not given or not hmac.compare_digest(given.encode(), self._token.encode()):
            raise LoginFailed("that token is not the one `lcom review serve` printed")
        return Principal(self.username)

    def store(self, principal: Principal) -> LocalUserStore:
        return LocalUserStore(self._store, principal.username)

    def close(self) -> None:
        self._store.close()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"
