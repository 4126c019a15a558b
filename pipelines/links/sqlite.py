"""The local link store: one SQLite file under ``LCOM_VAR_DIR`` (owner-only).

Tables (all keyed by integers, so an ad costs a few small rows and every lookup is an
index probe whatever the size of the store):

- ``docs``: one row per ``doc_id`` (source, city, first/last seen, hit, shingle hashes of
  hits); ``doc_id`` is unique, which makes :meth:`SqliteLinkStore.add` idempotent;
- ``keys``: contact pseudonyms and template cluster keys, with their number of cities;
- ``key_docs``: which ad carries which key;
- ``names``, ``ages``: name pseudonyms (as 64-bit prefixes, only ever counted) and stated
  ages per ad (hits only);
- ``bands``: the MinHash band keys of hits (the LSH table of template candidates);
- ``strings``: sources and cities, stored once.

Nothing in it is a plaintext contact or name, nor any word of an ad.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import struct
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pipelines.links.model import (
    MAX_TEMPLATE_CANDIDATES,
    CitySpan,
    KeyKind,
    KeySummary,
    Observation,
    TextPrint,
    utc,
)

SCHEMA_VERSION = 1
#: A key is summarised over its most recently recorded ads, at most this many.
MAX_KEY_ADS = 1000
_KIND_CODE: dict[str, int] = {"contact": 1, "template": 2}
_CODE_KIND: dict[int, KeyKind] = {1: "contact", 2: "template"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS strings (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    source INTEGER NOT NULL,
    city INTEGER,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    hit INTEGER NOT NULL,
    shingles BLOB
);
CREATE INDEX IF NOT EXISTS docs_retention ON docs (hit, last_seen);
CREATE TABLE IF NOT EXISTS keys (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind INTEGER NOT NULL,
    n_cities INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS keys_kind_cities ON keys (kind, n_cities);
CREATE TABLE IF NOT EXISTS key_docs (
    key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS key_docs_by_doc ON key_docs (doc, key);
CREATE TABLE IF NOT EXISTS names (
    doc INTEGER NOT NULL, name INTEGER NOT NULL, PRIMARY KEY (doc, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ages (
    doc INTEGER NOT NULL, age INTEGER NOT NULL, PRIMARY KEY (doc, age)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bands (
    band INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (band, doc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bands_by_doc ON bands (doc);
"""


def _epoch(when: datetime) -> int:
    return int(utc(when).timestamp())


def _when(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _int64(text: str) -> int:
    """A signed 64-bit integer from a string (band keys, name pseudonyms): 8 bytes of its
    SHA-256, so a row stores no more of a pseudonym than is needed to count it."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def _pack(shingles: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(shingles)}I", *(value & 0xFFFFFFFF for value in shingles))


def _unpack(blob: bytes | None) -> tuple[int, ...]:
    if not blob:
        return ()
    return struct.unpack(f"<{len(blob) // 4}I", blob)


class SqliteLinkStore:
    """:class:`~pipelines.links.model.LinkStore` on a local SQLite file; safe across threads."""

    local = True

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created owner-only before SQLite opens it (its -wal and -shm files inherit the mode).
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        db = self._db()
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise RuntimeError(
                f"{self.path}: link store schema {version}, this lcom reads {SCHEMA_VERSION}"
            )
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ------------------------------------------------------------------ plumbing

    def _db(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            # A forked process (the analysis worker) never uses, nor closes, a connection
            # its parent opened (SQLite forbids it): it opens its own.
            self._local, self._pid = threading.local(), os.getpid()
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        if self._pid != os.getpid():
            return  # only the parent's connection is there
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @staticmethod
    def _string(db: sqlite3.Connection, value: str) -> int:
        row = db.execute("SELECT id FROM strings WHERE value = ?", (value,)).fetchone()
        if row is not None:
            return int(row[0])
        return int(db.execute("INSERT INTO strings (value) VALUES (?)", (value,)).lastrowid or 0)

    @staticmethod
    def _key_id(db: sqlite3.Connection, key: str, kind: KeyKind) -> int:
        row = db.execute("SELECT id FROM keys WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return int(row[0])
        cursor = db.execute("INSERT INTO keys (key, kind) VALUES (?, ?)", (key, _KIND_CODE[kind]))
        return int(cursor.lastrowid or 0)

    # ------------------------------------------------------------------ writing

    def add(self, obs: Observation) -> list[KeySummary]:
        obs = obs.kept()
        seen = _epoch(obs.seen)
        with self._tx() as db:
            row = db.execute(
                "SELECT id, hit, city FROM docs WHERE doc_id = ?", (obs.doc_id,)
            ).fetchone()
            city = self._string(db, obs.city) if obs.city else None
            if row is None:
                doc = int(
                    db.execute(
                        "INSERT INTO docs (doc_id, source, city, first_seen, last_seen, hit, "
                        "shingles) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            obs.doc_id,
                            self._string(db, obs.source),
                            city,
                            seen,
                            seen,
                            int(obs.hit),
                            _pack(obs.shingles) if obs.hit and obs.shingles else None,
                        ),
                    ).lastrowid
                    or 0
                )
                new_hit = obs.hit
            else:
                doc, was_hit = int(row[0]), bool(row[1])
                new_hit = obs.hit and not was_hit
                db.execute(
                    "UPDATE docs SET first_seen = MIN(first_seen, ?), "
                    "last_seen = MAX(last_seen, ?), city = COALESCE(city, ?), "
                    "hit = MAX(hit, ?) WHERE id = ?",
                    (seen, seen, city, int(obs.hit), doc),
                )
                if new_hit and obs.shingles:
                    db.execute(
                        "UPDATE docs SET shingles = ? WHERE id = ?", (_pack(obs.shingles), doc)
                    )
            touched: list[int] = []
            for contact in dict.fromkeys(obs.contacts):
                key = self._key_id(db, contact, "contact")
                db.execute("INSERT OR IGNORE INTO key_docs (key, doc) VALUES (?, ?)", (key, doc))
                touched.append(key)
            if obs.template:
                template = self._template_of(db, doc)
                key = (
                    template if template is not None else self._key_id(db, obs.template, "template")
                )
                db.execute("INSERT OR IGNORE INTO key_docs (key, doc) VALUES (?, ?)", (key, doc))
                touched.append(key)
            else:
                template = self._template_of(db, doc)
                if template is not None:
                    touched.append(template)
            if new_hit:
                db.executemany(
                    "INSERT OR IGNORE INTO names (doc, name) VALUES (?, ?)",
                    [(doc, _int64(name)) for name in obs.name_hashes],
                )
                db.executemany(
                    "INSERT OR IGNORE INTO ages (doc, age) VALUES (?, ?)",
                    [(doc, int(age)) for age in obs.ages],
                )
                db.executemany(
                    "INSERT OR IGNORE INTO bands (band, doc) VALUES (?, ?)",
                    [(_int64(band), doc) for band in obs.signature],
                )
            return [self._summarise(db, key) for key in dict.fromkeys(touched)]

    def join_template(self, key: str, doc_ids: Iterable[str]) -> KeySummary | None:
        with self._tx() as db:
            template: int | None = None
            for doc_id in doc_ids:
                row = db.execute("SELECT id FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
                if row is None or self._template_of(db, int(row[0])) is not None:
                    continue
                if template is None:
                    template = self._key_id(db, key, "template")
                db.execute(
                    "INSERT OR IGNORE INTO key_docs (key, doc) VALUES (?, ?)", (template, row[0])
                )
            if template is None:
                known = db.execute("SELECT id FROM keys WHERE key = ?", (key,)).fetchone()
                return self._summarise(db, int(known[0])) if known is not None else None
            return self._summarise(db, template)

    def purge_before(self, when: datetime, *, hit: bool) -> int:
        cutoff = _epoch(when)
        with self._tx() as db:
            db.execute("DROP TABLE IF EXISTS temp.gone")
            db.execute(
                "CREATE TEMP TABLE gone AS SELECT id FROM docs WHERE hit = ? AND last_seen < ?",
                (int(hit), cutoff),
            )
            count = int(db.execute("SELECT COUNT(*) FROM temp.gone").fetchone()[0])
            if count:
                db.execute("DROP TABLE IF EXISTS temp.gone_keys")
                db.execute(
                    "CREATE TEMP TABLE gone_keys AS SELECT DISTINCT key FROM key_docs "
                    "WHERE doc IN (SELECT id FROM temp.gone)"
                )
                for table in ("key_docs", "names", "ages", "bands"):
                    db.execute(f"DELETE FROM {table} WHERE doc IN (SELECT id FROM temp.gone)")
                db.execute("DELETE FROM docs WHERE id IN (SELECT id FROM temp.gone)")
                db.execute(
                    "DELETE FROM keys WHERE id IN (SELECT key FROM temp.gone_keys) "
                    "AND NOT EXISTS (SELECT 1 FROM key_docs WHERE key_docs.key = keys.id)"
                )
                for (key,) in db.execute("SELECT key FROM temp.gone_keys").fetchall():
                    if db.execute("SELECT 1 FROM keys WHERE id = ?", (key,)).fetchone():
                        self._summarise(db, int(key))  # refreshes n_cities
                db.execute("DROP TABLE temp.gone_keys")
            db.execute("DROP TABLE temp.gone")
            return count

    # ------------------------------------------------------------------ reading

    def get(self, key: str) -> KeySummary | None:
        db = self._db()
        row = db.execute("SELECT id FROM keys WHERE key = ?", (key,)).fetchone()
        return self._summarise(db, int(row[0]), refresh=False) if row is not None else None

    def iter_keys(
        self, kind: KeyKind | None = None, min_cities: int | None = None
    ) -> Iterator[KeySummary]:
        db = self._db()
        clauses, params = [], []
        if kind is not None:
            clauses.append("kind = ?")
            params.append(_KIND_CODE[kind])
        if min_cities is not None:
            clauses.append("n_cities >= ?")
            params.append(int(min_cities))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        ids = [int(r[0]) for r in db.execute(f"SELECT id FROM keys{where} ORDER BY id", params)]
        for key in ids:
            yield self._summarise(db, key, refresh=False)

    def template_candidates(self, signature: Iterable[str]) -> set[str]:
        bands = [_int64(band) for band in dict.fromkeys(signature)]
        if not bands:
            return set()
        db = self._db()
        marks = ",".join("?" * len(bands))
        rows = db.execute(
            f"SELECT d.doc_id FROM bands b JOIN docs d ON d.id = b.doc "
            f"WHERE b.band IN ({marks}) GROUP BY b.doc ORDER BY COUNT(*) DESC, b.doc LIMIT ?",
            [*bands, MAX_TEMPLATE_CANDIDATES],
        )
        return {str(row[0]) for row in rows}

    def text_prints(self, doc_ids: Iterable[str]) -> dict[str, TextPrint]:
        db = self._db()
        found: dict[str, TextPrint] = {}
        for doc_id in dict.fromkeys(doc_ids):
            row = db.execute(
                "SELECT d.id, s.value, d.shingles FROM docs d JOIN strings s ON s.id = d.source "
                "WHERE d.doc_id = ? AND d.hit = 1",
                (doc_id,),
            ).fetchone()
            if row is None:
                continue
            doc = int(row[0])
            keys = db.execute(
                "SELECT k.key, k.kind FROM key_docs kd JOIN keys k ON k.id = kd.key "
                "WHERE kd.doc = ?",
                (doc,),
            ).fetchall()
            found[doc_id] = TextPrint(
                doc_id=doc_id,
                source=str(row[1]),
                contacts=tuple(sorted(str(k) for k, kind in keys if kind == _KIND_CODE["contact"])),
                shingles=_unpack(row[2]),
                template=next((str(k) for k, kind in keys if kind == _KIND_CODE["template"]), None),
            )
        return found

    def stats(self) -> dict[str, int]:
        """Numbers of ads (hits, non-hits) and keys (per kind) in the store."""
        db = self._db()
        hits, non_hits = db.execute(
            "SELECT COALESCE(SUM(hit), 0), COALESCE(SUM(1 - hit), 0) FROM docs"
        ).fetchone()
        counts = {"hits": int(hits), "non_hits": int(non_hits)}
        for code, kind in _CODE_KIND.items():
            counts[f"{kind}_keys"] = int(
                db.execute("SELECT COUNT(*) FROM keys WHERE kind = ?", (code,)).fetchone()[0]
            )
        return counts

    # ------------------------------------------------------------------ summaries

    @staticmethod
    def _template_of(db: sqlite3.Connection, doc: int) -> int | None:
        row = db.execute(
            "SELECT kd.key FROM key_docs kd JOIN keys k ON k.id = kd.key "
            "WHERE kd.doc = ? AND k.kind = ?",
            (doc, _KIND_CODE["template"]),
        ).fetchone()
        return int(row[0]) if row is not None else None

    def _summarise(self, db: sqlite3.Connection, key: int, *, refresh: bool = True) -> KeySummary:
        name, code = db.execute("SELECT key, kind FROM keys WHERE id = ?", (key,)).fetchone()
        # The key's most recently recorded ads only (MAX_KEY_ADS, read from the primary-key
        # index): a contact on every ad of a site must not make each ad cost more than the last.
        recent = "SELECT doc FROM key_docs WHERE key = :key ORDER BY doc DESC LIMIT :limit"
        bind = {"key": key, "limit": MAX_KEY_ADS}
        rows = db.execute(
            "SELECT d.id, d.doc_id, src.value, city.value, d.first_seen, d.last_seen, d.hit "
            f"FROM ({recent}) kd JOIN docs d ON d.id = kd.doc "
            "JOIN strings src ON src.id = d.source LEFT JOIN strings city ON city.id = d.city "
            "ORDER BY d.first_seen, d.doc_id",
            bind,
        ).fetchall()
        spans: dict[str, tuple[int, int]] = {}
        for row in rows:
            if row[3] is None:
                continue
            first, last = spans.get(row[3], (row[4], row[5]))
            spans[row[3]] = (min(first, row[4]), max(last, row[5]))
        ages: tuple[int, ...] = ()
        n_names = 0
        contacts: tuple[str, ...] = ()
        if rows:
            ages = tuple(
                int(r[0])
                for r in db.execute(
                    f"SELECT DISTINCT age FROM ages WHERE doc IN ({recent}) ORDER BY age",
                    bind,
                )
            )
            n_names = int(
                db.execute(
                    f"SELECT COUNT(DISTINCT name) FROM names WHERE doc IN ({recent})",
                    bind,
                ).fetchone()[0]
            )
            if code == _KIND_CODE["template"]:
                contacts = tuple(
                    str(r[0])
                    for r in db.execute(
                        "SELECT DISTINCT k.key FROM key_docs kd JOIN keys k ON k.id = kd.key "
                        f"WHERE kd.doc IN ({recent}) AND k.kind = :kind ORDER BY k.key",
                        {**bind, "kind": _KIND_CODE["contact"]},
                    )
                )
        if refresh:
            db.execute("UPDATE keys SET n_cities = ? WHERE id = ?", (len(spans), key))
        cities = tuple(
            CitySpan(city, _when(first), _when(last))
            for city, (first, last) in sorted(spans.items(), key=lambda kv: (kv[1][0], kv[0]))
        )
        first_seen = min((r[4] for r in rows), default=0)
        last_seen = max((r[5] for r in rows), default=0)
        return KeySummary(
            key=str(name),
            kind=_CODE_KIND[int(code)],
            sources=tuple(sorted({str(r[2]) for r in rows})),
            cities=cities,
            doc_ids=tuple(str(r[1]) for r in rows),
            hit_doc_ids=tuple(str(r[1]) for r in rows if r[6]),
            ages=ages,
            n_names=n_names,
            first_seen=_when(first_seen),
            last_seen=_when(last_seen),
            contacts=contacts,
        )
