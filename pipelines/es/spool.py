"""A durable JSON Lines spool of hit documents, used as a write-ahead log.

Layout of the spool directory (setting ``LCOM_SPOOL_DIR``, default ``var/spool``)::

    hits-<utc>-p<pid>-<n>.jsonl        one hit document per line (the demo's output)
    hits-<utc>-p<pid>-<n>.jsonl.acks   {"record": "<sha256 of the line>", "line": 3,
                                        "id": "<doc_id>@<last_seen>", "outcome": ...}
    rejected.jsonl                     documents Elasticsearch refused, with the reason

A segment line is a hit document, or a **partial update** of an earlier hit (the linking
step gives earlier hits the ``links`` of a link a later ad completed)::

    {"lcom_update": {"doc_id": "<doc_id>", "doc": {"links": {...}}, "at": "<utc>"}}

Updates are written with :meth:`Spool.append_update`, after the hits they name, and
acknowledged like hits; the indexer sends each as a bulk ``update`` with ``doc``
(replaying one sets the same values again). Readers that want hit documents only
(:func:`segment_documents`, :meth:`Spool.documents`) skip them; :func:`segment_items`
returns both, in order.

Write-ahead protocol: a hit is appended, flushed and ``fsync``-ed *before* it is sent;
once Elasticsearch confirmed it (``created``, ``updated`` or ``noop``) or refused it
for good (then it is copied to ``rejected.jsonl``), the record's id goes to the
segment's ``.acks`` file: the SHA-256 of the line's bytes (``record``) and the
observation (``id``). Acknowledgements are matched by that checksum, never by line
number: a line that was damaged, or a newline that was lost, shifts every line after it,
and a match by position would take the next record for sent. A damaged line matches
nothing and is never taken for acknowledged; a segment is deleted only when every line
in it is a readable record whose checksum is acknowledged. A replay that leaves
anything unmatched (an unreadable line, or an acknowledgement whose record is no longer
there) keeps the segment and names those lines (:attr:`Spool.unmatched`);
``lcom spool replay`` then exits non-zero. A crawl killed at any moment (even ``SIGKILL``) therefore
leaves every hit either acknowledged or still pending, and pending lines are sent
again on the next start or by ``lcom spool replay``. Sending twice is harmless: the
upsert script ignores an observation that is not newer than the stored one.

A writer never appends to an existing file (a torn last line from a killed process
stays torn and is ignored) and holds an exclusive ``flock`` on each segment it wrote
until it closes, so a replay in another process never reads a segment still in use.
Fully acknowledged segments are deleted when their holder closes them: once a hit is
in Elasticsearch, a second copy on disk is personal data nobody needs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, cast

from pipelines.es.errors import SpoolError
from pipelines.home import var_dir

logger = logging.getLogger(__name__)

SEGMENT_GLOB = "hits-*.jsonl"
ACK_SUFFIX = ".acks"
REJECTED_FILE = "rejected.jsonl"
REJECTED_LOCK = "rejected.lock"
DEFAULT_SPOOL_DIR = var_dir() / "spool"
DEFAULT_MAX_SEGMENT_BYTES = 16 * 1024 * 1024

#: Outcomes recorded in ack files (``missing``: an update whose hit is not stored).
ACK_OUTCOMES = frozenset({"created", "updated", "noop", "rejected", "missing"})

#: Key of a partial-update record (the line's only key).
UPDATE_KEY = "lcom_update"


@dataclass(frozen=True)
class HitUpdate:
    """A partial update of an earlier hit: set the fields of ``doc`` (objects merged),
    nothing else. ``at`` is when it was made (ISO 8601, UTC)."""

    doc_id: str
    doc: dict[str, Any]
    at: str

    def apply(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """``stored`` with this update applied as Elasticsearch applies a ``doc``
        update: objects merged key by key, any other value replaced."""
        return _merged(stored, self.doc)

    def record(self) -> dict[str, Any]:
        """The spool line of this update."""
        return {UPDATE_KEY: {"doc_id": self.doc_id, "doc": self.doc, "at": self.at}}

    @classmethod
    def from_record(cls, line: Mapping[str, Any]) -> HitUpdate | None:
        """The update a spool line holds, or ``None`` when the line is a hit (or an
        update without a ``doc_id`` or ``doc`` object, which is refused when sent)."""
        body = line.get(UPDATE_KEY)
        if not isinstance(body, Mapping):
            return None
        doc_id, doc, at = body.get("doc_id"), body.get("doc"), body.get("at")
        if not isinstance(doc_id, str) or not doc_id or not isinstance(doc, dict):
            return None
        return cls(doc_id, doc, at if isinstance(at, str) else "")


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = _merged(current, value)
        else:
            out[key] = value
    return out


def is_update(line: Mapping[str, Any]) -> bool:
    """Whether a spool line is a partial-update record (well-formed or not)."""
    return UPDATE_KEY in line


def observation_id(doc: dict[str, Any]) -> str:
    """Identity of one observation of a hit: ``doc_id`` plus its ``last_seen``
    (of an update: ``update:<doc_id>@<at>``)."""
    if is_update(doc):
        body = doc.get(UPDATE_KEY)
        body = body if isinstance(body, dict) else {}
        return f"update:{body.get('doc_id')}@{body.get('at')}"
    return f"{doc.get('doc_id')}@{doc.get('last_seen')}"


def record_checksum(line: bytes) -> str:
    """The id of a spooled record: SHA-256 (32 hex digits) of its line, newline excluded."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()[:32]


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _dumps(value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return (text + "\n").encode("utf-8")


def encode_record(doc: Mapping[str, Any]) -> bytes | SpoolError:
    """The spool line of ``doc``, or the :class:`SpoolError` that says why it has none."""
    try:
        return _dumps(doc)
    except Exception as exc:  # hostile text: never let one record stop the others
        return SpoolError(f"cannot encode a spool record: {type(exc).__name__}: {exc}")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SpoolRecord:
    """One spooled hit: where it is (segment file name, 1-based line), the checksum of its
    line (its id in acknowledgements) and the document."""

    segment: str
    line: int
    doc: dict[str, Any] = field(compare=False, repr=False)
    checksum: str = ""

    @property
    def doc_id(self) -> str:
        """The hit's ``doc_id`` (of an update: the hit it updates)."""
        if is_update(self.doc):
            body = self.doc.get(UPDATE_KEY)
            return str(body.get("doc_id") if isinstance(body, dict) else None)
        return str(self.doc.get("doc_id"))

    @property
    def update(self) -> HitUpdate | None:
        """The partial update this record holds, ``None`` for a hit (see :attr:`is_update`)."""
        return HitUpdate.from_record(self.doc)

    @property
    def is_update(self) -> bool:
        return is_update(self.doc)

    @property
    def observation(self) -> str:
        return observation_id(self.doc)


@dataclass
class SpoolStatus:
    """Counts for ``lcom spool status``."""

    directory: str
    segments: int = 0
    segments_in_use: int = 0
    records: int = 0
    #: Of ``records``, partial updates of earlier hits.
    updates: int = 0
    acknowledged: int = 0
    pending: int = 0
    rejected: int = 0
    unreadable_lines: int = 0
    bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Segment:
    name: str
    fh: BinaryIO  # holds the flock
    lines: int = 0
    size: int = 0
    writable: bool = False
    ack_fh: BinaryIO | None = None
    #: Checksums of the acknowledged records.
    acked: set[str] = field(default_factory=set)
    #: Checksum of every readable record in the segment, in order.
    checksums: list[str] = field(default_factory=list)
    #: Lines that are not a readable record (never deleted while there are any).
    unreadable: list[int] = field(default_factory=list)


def update_record(
    doc_id: str, partial: Mapping[str, Any], *, at: datetime | None = None
) -> dict[str, Any]:
    """The spool record of a partial update of the earlier hit ``doc_id`` (see
    :meth:`Spool.append_update`); raises ``ValueError`` for one that is not allowed."""
    if not isinstance(doc_id, str) or not doc_id:
        raise ValueError("a partial update needs the doc_id of the hit it updates")
    if not isinstance(partial, Mapping) or not partial:
        raise ValueError("a partial update needs at least one field")
    if "doc_id" in partial or "review" in partial:
        raise ValueError("a partial update never changes doc_id or review")
    when = (at or _now()).astimezone(UTC).isoformat().replace("+00:00", "Z")
    return HitUpdate(doc_id, dict(partial), when).record()


class Spool:
    """The spool directory. Thread-safe within one process; safe across processes."""

    def __init__(
        self,
        directory: Path | str = DEFAULT_SPOOL_DIR,
        *,
        max_segment_bytes: int = DEFAULT_MAX_SEGMENT_BYTES,
        fsync: bool = True,
        delete_acknowledged: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.max_segment_bytes = max_segment_bytes
        self.fsync = fsync
        self.delete_acknowledged = delete_acknowledged
        self._lock = threading.RLock()
        self._held: dict[str, _Segment] = {}
        self._current: _Segment | None = None
        self._seq = 0
        #: What the last :meth:`claim_pending` could not match, one line each (segment,
        #: line, why); never document content.
        self.unmatched: list[str] = []
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpoolError(f"cannot create spool directory {self.directory}: {exc}") from exc

    # ------------------------------------------------------------------ writing

    def append(self, doc: dict[str, Any]) -> SpoolRecord:
        """Write one hit durably (flush + fsync) and return where it is."""
        return self.append_many([doc])[0]

    def append_many(self, docs: Sequence[dict[str, Any]]) -> list[SpoolRecord]:
        """Write several records durably, in order, with one ``fsync`` per segment written
        (a group commit): every record is on disk when this returns, as after
        :meth:`append` for each. When a record cannot be written this raises the first
        :class:`SpoolError`; the others are on disk all the same (see :meth:`append_each`),
        and a replay sends them."""
        outcomes = self.append_each(docs)
        for outcome in outcomes:
            if isinstance(outcome, SpoolError):
                raise outcome
        return cast(list[SpoolRecord], outcomes)

    def append_each(self, docs: Sequence[dict[str, Any]]) -> list[SpoolRecord | SpoolError]:
        """Like :meth:`append_many`, but one outcome per record, in order: where it is on
        disk, or the :class:`SpoolError` that kept it off (a document that cannot be
        encoded, a write or a flush that failed). One failure never costs the others:
        after a failed write the segment takes no more records (its last line may be torn)
        and the next record opens a new one."""
        return self.append_encoded([(doc, encode_record(doc)) for doc in docs])

    def append_encoded(
        self, records: Sequence[tuple[dict[str, Any], bytes | SpoolError]]
    ) -> list[SpoolRecord | SpoolError]:
        """:meth:`append_each` of records encoded beforehand (by :func:`encode_record`, in
        the caller's thread: a writer thread that only writes holds the GIL least)."""
        outcomes: list[SpoolRecord | SpoolError] = []
        with self._lock:
            touched: dict[str, tuple[_Segment, list[int]]] = {}
            for doc, data in records:
                if isinstance(data, SpoolError):
                    outcomes.append(data)
                    continue
                try:
                    seg = self._writable_segment(len(data))
                except SpoolError as exc:
                    outcomes.append(exc)
                    continue
                try:
                    seg.fh.write(data)
                except OSError as exc:
                    seg.writable = False
                    self._current = None
                    outcomes.append(SpoolError(f"cannot write to spool segment {seg.name}: {exc}"))
                    continue
                seg.lines += 1
                seg.size += len(data)
                checksum = record_checksum(data)
                seg.checksums.append(checksum)
                touched.setdefault(seg.name, (seg, []))[1].append(len(outcomes))
                outcomes.append(SpoolRecord(seg.name, seg.lines, doc, checksum))
            # What was written is made durable, segment by segment; a segment whose
            # flush fails takes back the records it holds.
            for seg, positions in touched.values():
                try:
                    seg.fh.flush()
                    if self.fsync:
                        os.fsync(seg.fh.fileno())
                except OSError as exc:
                    seg.writable = False
                    if self._current is seg:
                        self._current = None
                    error = SpoolError(f"cannot write to spool segment {seg.name}: {exc}")
                    for position in positions:
                        outcomes[position] = error
        return outcomes

    def append_update(
        self, doc_id: str, partial: Mapping[str, Any], *, at: datetime | None = None
    ) -> SpoolRecord:
        """Write a partial update of the earlier hit ``doc_id`` durably, like :meth:`append`.

        ``partial`` holds the fields to set, e.g. ``{"links": {...}}``: objects are
        merged into the stored hit, other values replace it. Sent as a bulk ``update``
        with ``doc``; replaying it sets the same values again.
        """
        return self.append(update_record(doc_id, partial, at=at))

    def _writable_segment(self, incoming: int) -> _Segment:
        seg = self._current
        if seg is not None and seg.size + incoming <= self.max_segment_bytes:
            return seg
        if seg is not None and seg.size == 0:
            return seg  # a single document larger than a segment still gets one
        if seg is not None:
            seg.writable = False
        self._seq += 1
        stamp = _now().strftime("%Y%m%dT%H%M%S%fZ")
        name = f"hits-{stamp}-p{os.getpid()}-{self._seq:04d}.jsonl"
        path = self.directory / name
        try:
            fh = path.open("xb")
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            if self.fsync:
                _fsync_dir(self.directory)
        except OSError as exc:
            raise SpoolError(f"cannot create spool segment {path}: {_why(exc)}") from exc
        seg = _Segment(name=name, fh=fh, writable=True)
        self._held[name] = seg
        self._current = seg
        logger.debug("spool segment %s opened", name)
        return seg

    def ack(self, outcomes: Iterable[tuple[SpoolRecord, str]]) -> int:
        """Record that these records are done (outcome in :data:`ACK_OUTCOMES`)."""
        count = 0
        with self._lock:
            touched: set[str] = set()
            for record, outcome in outcomes:
                if outcome not in ACK_OUTCOMES:
                    raise ValueError(f"not an ack outcome: {outcome!r}")
                seg = self._held.get(record.segment)
                if seg is None:
                    raise SpoolError(f"segment {record.segment} is not held by this spool")
                checksum = record.checksum or record_checksum(_dumps(record.doc))
                if checksum in seg.acked:
                    continue
                line = {
                    "record": checksum,
                    "line": record.line,
                    "id": record.observation,
                    "outcome": outcome,
                }
                try:
                    if seg.ack_fh is None:
                        seg.ack_fh = self._ack_path(seg.name).open("ab")
                    seg.ack_fh.write(_dumps(line))
                except OSError as exc:
                    raise SpoolError(
                        f"cannot write acknowledgements of spool segment {seg.name}: {_why(exc)}"
                    ) from exc
                seg.acked.add(checksum)
                touched.add(seg.name)
                count += 1
            for name in touched:
                fh = self._held[name].ack_fh
                assert fh is not None
                try:
                    fh.flush()
                    if self.fsync:
                        os.fsync(fh.fileno())
                except OSError as exc:
                    raise SpoolError(
                        f"cannot write acknowledgements of spool segment {name}: {_why(exc)}"
                    ) from exc
        return count

    def reject(
        self, record: SpoolRecord, *, error_type: str, status: int | None, reason: str
    ) -> None:
        """Move a document Elasticsearch refused to ``rejected.jsonl``, then acknowledge it."""
        entry = {
            "rejected_at": _now().isoformat().replace("+00:00", "Z"),
            "error_type": error_type,
            "status": status,
            "reason": reason[:1000],
            "segment": record.segment,
            "line": record.line,
            "doc": record.doc,
        }
        with self._rejected_lock():
            fd = os.open(self.directory / REJECTED_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                os.write(fd, _dumps(entry))
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        self.ack([(record, "rejected")])

    @contextlib.contextmanager
    def _rejected_lock(self) -> Iterator[None]:
        try:
            lock = (self.directory / REJECTED_LOCK).open("ab")
        except OSError as exc:
            raise SpoolError(
                f"cannot write to spool directory {self.directory}: {_why(exc)}"
            ) from exc
        with lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def requeue_rejected(
        self, retention_days: int | None = None, *, now: datetime | None = None
    ) -> int:
        """Append every rejected document within retention to a new segment again.

        For after the cause was fixed (a mapping, the document builder). A crash in
        between leaves a document in both places; sending it twice is harmless.
        Documents whose ``last_seen`` is more than ``retention_days`` ago (default: the
        retention of unreviewed hits, state ``new``, of the data policy in
        ``LCOM_POLICY_DIR`` or the built-in default) are not requeued: they stay in the
        ledger, for ``lcom purge`` to erase and record. Returns how many were requeued.
        """
        if retention_days is None:
            retention_days = default_spool_retention_days()
        cutoff = (now or _now()) - timedelta(days=retention_days)
        with self._rejected_lock():
            path = self.directory / REJECTED_FILE
            if not path.exists():
                return 0
            entries = [e for e in _read_jsonl(path)[0] if e is not None and "doc" in e]
            requeue = [e for e in entries if ledger_entry_time(e) >= cutoff]
            expired = [e for e in entries if ledger_entry_time(e) < cutoff]
            for entry in requeue:
                self.append(entry["doc"])
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(b"".join(_dumps(e) for e in expired))
            os.replace(tmp, path)
            if self.fsync:
                _fsync_dir(self.directory)
        if expired:
            logger.warning(
                "%d rejected document(s) past retention (%d days) not requeued; "
                "`lcom purge` erases them",
                len(expired),
                retention_days,
            )
        return len(requeue)

    # ------------------------------------------------------------------ reading

    def claim_pending(self, *, include_own: bool = True) -> list[SpoolRecord]:
        """Lock every segment no other process holds and return its unacknowledged records.

        Segments this spool holds are included unless ``include_own`` is false (records
        a failed attempt in this process left are pending too). Locks are kept until
        :meth:`close`.
        """
        records: list[SpoolRecord] = []
        self.unmatched = []
        with self._lock:
            for path in sorted(self._segment_paths()):
                seg = self._held.get(path.name)
                if seg is not None and not include_own:
                    continue
                if seg is None:
                    seg = self._try_claim(path)
                    if seg is None:
                        continue
                lines, torn = _read_lines(path)
                found: set[str] = set()
                for line_no, (doc, checksum) in enumerate(lines, start=1):
                    if doc is None:
                        self.unmatched.append(
                            f"{seg.name} line {line_no}: unreadable, kept and not sent"
                        )
                        continue
                    found.add(checksum)
                    if checksum not in seg.acked:
                        records.append(SpoolRecord(seg.name, line_no, doc, checksum))
                missing = len(seg.acked - found)
                if missing:
                    self.unmatched.append(
                        f"{seg.name}: {missing} acknowledgement(s) match no readable record "
                        "(the segment was damaged after they were written)"
                    )
                if torn:
                    logger.warning(
                        "spool segment %s ends with an incomplete line (a writer was killed, "
                        "or the file is damaged): segment kept",
                        seg.name,
                    )
        for problem in self.unmatched:
            logger.error("spool: %s", problem)
        return records

    def _segment_paths(self) -> list[Path]:
        try:
            return list(self.directory.glob(SEGMENT_GLOB))
        except OSError as exc:
            raise SpoolError(f"cannot read spool directory {self.directory}: {_why(exc)}") from exc

    def _try_claim(self, path: Path) -> _Segment | None:
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SpoolError(f"cannot read spool segment {path}: {_why(exc)}") from exc
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return None
        if not path.exists():  # deleted by its holder between glob and lock
            fh.close()
            return None
        lines, torn = _read_line_ids(path)
        seg = _Segment(
            name=path.name,
            fh=fh,
            acked=_read_acks(self._ack_path(path.name), lines),
            checksums=[checksum for doc, checksum in lines if doc is not None],
            unreadable=[n for n, (doc, _) in enumerate(lines, start=1) if doc is None],
        )
        if torn:
            seg.unreadable.append(len(lines) + 1)
        seg.lines = len(lines)
        self._held[path.name] = seg
        return seg

    def _ack_path(self, name: str) -> Path:
        return self.directory / (name + ACK_SUFFIX)

    def status(self) -> SpoolStatus:
        """Counts over every segment, including those in use by a running crawl."""
        st = SpoolStatus(directory=str(self.directory))
        for path in sorted(self.directory.glob(SEGMENT_GLOB)):
            st.segments += 1
            try:
                st.bytes += path.stat().st_size
            except FileNotFoundError:
                continue
            lines, torn = _read_line_ids(path)
            acked = _read_acks(self._ack_path(path.name), lines)
            st.unreadable_lines += sum(doc is None for doc, _ in lines) + torn
            for doc, checksum in lines:
                if doc is None:
                    continue
                st.records += 1
                st.updates += doc.update
                if checksum in acked:
                    st.acknowledged += 1
                else:
                    st.pending += 1
            if path.name not in self._held and _is_locked(path):
                st.segments_in_use += 1
        rejected = self.directory / REJECTED_FILE
        if rejected.exists():
            st.rejected = sum(1 for e in _read_jsonl(rejected)[0] if e is not None)
        return st

    def documents(self) -> Iterator[dict[str, Any]]:
        """Every spooled hit document, oldest segment first (the demo reads its output here)."""
        for segment in spool_segments(self.directory):
            yield from segment_documents(self.directory, segment.name)

    # ------------------------------------------------------------------ retention

    def purge_older_than(self, days: int, *, now: datetime | None = None) -> dict[str, int]:
        """Delete spool data past retention, by the documents' own ``last_seen``:
        segments whose newest document was last seen more than ``days`` ago, and
        rejected documents last seen more than ``days`` ago (not by when a file was
        written or a document refused: a requeued or late document is no younger).
        Returns counts."""
        cutoff = (now or _now()) - timedelta(days=days)
        counts = {"segments": 0, "records": 0, "rejected": 0}
        with self._lock:
            for path in sorted(self.directory.glob(SEGMENT_GLOB)):
                if path.name in self._held or segment_newest_time(path) >= cutoff:
                    continue
                seg = self._try_claim(path)
                if seg is None:
                    continue  # in use by a running crawl: not old then
                counts["segments"] += 1
                counts["records"] += seg.lines
                self._drop(seg)
            with self._rejected_lock():
                ledger = self.directory / REJECTED_FILE
                if ledger.exists():
                    entries = [e for e in _read_jsonl(ledger)[0] if e is not None]
                    keep = [e for e in entries if ledger_entry_time(e) >= cutoff]
                    counts["rejected"] = len(entries) - len(keep)
                    if counts["rejected"]:
                        tmp = ledger.with_suffix(".tmp")
                        tmp.write_bytes(b"".join(_dumps(e) for e in keep))
                        os.replace(tmp, ledger)
            if self.fsync and (counts["segments"] or counts["rejected"]):
                _fsync_dir(self.directory)
        return counts

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Release every segment; delete those fully acknowledged (when configured)."""
        with self._lock:
            for seg in list(self._held.values()):
                complete = (
                    bool(seg.checksums)
                    and not seg.unreadable
                    and all(checksum in seg.acked for checksum in seg.checksums)
                )
                if complete and self.delete_acknowledged:
                    self._drop(seg)
                else:
                    self._release(seg)
            self._current = None

    def _release(self, seg: _Segment) -> None:
        if seg.ack_fh is not None:
            seg.ack_fh.close()
        seg.fh.close()  # closing the file drops the flock
        self._held.pop(seg.name, None)

    def _drop(self, seg: _Segment) -> None:
        for path in (self.directory / seg.name, self._ack_path(seg.name)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._release(seg)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class SegmentInfo:
    """A segment file as a reader sees it now (a growing segment changes size)."""

    name: str
    size: int
    mtime_ns: int


def spool_segments(directory: Path | str) -> list[SegmentInfo]:
    """The spool's segments, oldest first, without opening or locking any (readers)."""
    found: list[SegmentInfo] = []
    for path in sorted(Path(directory).glob(SEGMENT_GLOB)):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue  # deleted by its holder meanwhile
        found.append(SegmentInfo(path.name, st.st_size, st.st_mtime_ns))
    return found


def segment_documents(directory: Path | str, name: str) -> list[dict[str, Any]]:
    """The complete, readable hit documents of one segment (a torn last line is skipped;
    partial updates are not hit documents: :func:`segment_items` returns them too)."""
    return [
        doc
        for doc in _read_jsonl(Path(directory) / name)[0]
        if doc is not None and not is_update(doc)
    ]


def segment_items(directory: Path | str, name: str) -> list[dict[str, Any] | HitUpdate]:
    """Hit documents and partial updates of one segment, in the order they were written
    (a malformed update is skipped: the indexer refuses it too)."""
    items: list[dict[str, Any] | HitUpdate] = []
    for doc in _read_jsonl(Path(directory) / name)[0]:
        if doc is None:
            continue
        if not is_update(doc):
            items.append(doc)
        elif (update := HitUpdate.from_record(doc)) is not None:
            items.append(update)
    return items


def _is_locked(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False
    except FileNotFoundError:
        return False


def _read_jsonl(path: Path) -> tuple[list[dict[str, Any] | None], int]:
    """Complete, parseable lines of a JSON Lines file, and the number of unreadable ones.

    A last line without its newline is what a killed writer left behind; it was never
    acknowledged to anyone and is skipped. An unreadable line in the middle is
    ``None``, so line numbers stay those of the file.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    except OSError as exc:
        raise SpoolError(f"cannot read spool file {path}: {_why(exc)}") from exc
    lines = raw.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    bad = 1 if tail.strip() else 0
    docs: list[dict[str, Any] | None] = []
    for number, line in enumerate(lines, start=1):
        value: dict[str, Any] | None
        try:
            value = json.loads(line)
            if not isinstance(value, dict):
                raise ValueError("not an object")
        except ValueError:
            logger.warning("spool file %s line %d is unreadable; kept, not sent", path.name, number)
            bad += 1
            value = None
        docs.append(value)
    if bad and tail.strip():
        logger.warning("spool file %s ends with an incomplete line (writer was killed)", path.name)
    return docs, bad


def _read_lines(path: Path) -> tuple[list[tuple[dict[str, Any] | None, str]], bool]:
    """Every complete line of a segment as ``(document or None, checksum)``, and whether
    it ends with an incomplete line (which is never a record)."""
    lines, tail = _raw_lines(path)
    return [(_document(line), record_checksum(line)) for line in lines], tail


class _LineId(NamedTuple):
    """What counting and acknowledging need of a record, instead of its document."""

    observation: str
    update: bool


def _read_line_ids(path: Path) -> tuple[list[tuple[_LineId | None, str]], bool]:
    """:func:`_read_lines` with a :class:`_LineId` in place of each document: counts and
    acknowledgements without holding a segment's documents (which took far more memory
    than the file, and grew with the hits of the run)."""
    lines, tail = _raw_lines(path)
    result: list[tuple[_LineId | None, str]] = []
    for line in lines:
        doc = _document(line)
        line_id = None if doc is None else _LineId(observation_id(doc), is_update(doc))
        result.append((line_id, record_checksum(line)))
    return result, tail


def _raw_lines(path: Path) -> tuple[list[bytes], bool]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], False
    except OSError as exc:
        raise SpoolError(f"cannot read spool segment {path}: {_why(exc)}") from exc
    lines = raw.split(b"\n")
    tail = lines.pop()
    return lines, bool(tail.strip())


def _document(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _read_acks(path: Path, lines: list[tuple[_LineId | None, str]]) -> set[str]:
    """Checksums of the acknowledged records of a segment (``lines`` as from
    :func:`_read_line_ids`).

    An acknowledgement names its record by checksum. One written before checksums were
    recorded (``line`` and ``id`` only) counts only if the record now at that line has
    the same observation id: a shifted line never takes another record's acknowledgement.
    """
    docs, _ = _read_jsonl(path)
    acked: set[str] = set()
    for entry in docs:
        if entry is None:
            continue
        checksum = entry.get("record")
        if isinstance(checksum, str):
            acked.add(checksum)
            continue
        line = entry.get("line")
        if isinstance(line, int) and 1 <= line <= len(lines):
            line_id, checksum = lines[line - 1]
            if line_id is not None and line_id.observation == entry.get("id"):
                acked.add(checksum)
    return acked


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def segment_newest_time(path: Path) -> datetime:
    """Latest ``last_seen`` of the documents in a segment, or ``at`` of its partial
    updates (its mtime if none has one)."""
    times = [
        when
        for doc in _read_jsonl(path)[0]
        if isinstance(doc, dict) and _has_time(when := _record_time(doc))
    ]
    if times:
        return max(times)
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return datetime.max.replace(tzinfo=UTC)


def _record_time(doc: dict[str, Any]) -> datetime:
    update = HitUpdate.from_record(doc)
    return _parse_time(update.at if update is not None else doc.get("last_seen"))


def ledger_entry_time(entry: dict[str, Any]) -> datetime:
    """``last_seen`` of a rejected document, ``at`` of a rejected update (when it was
    refused, if it has none)."""
    doc = entry.get("doc")
    if isinstance(doc, dict) and _has_time(when := _record_time(doc)):
        return when
    return _parse_time(entry.get("rejected_at"))


def default_spool_retention_days() -> int:
    """Retention of unreviewed hits (``new``): the data policy's, else the default."""
    from pipelines.es.cli_support import resolve_retention  # reads LCOM_POLICY_DIR

    states = resolve_retention(None, None)[0].hits_by_state
    return int(states.get("new", max(states.values())))


def _has_time(value: object) -> bool:
    if isinstance(value, datetime):
        return value != datetime.min.replace(tzinfo=UTC)
    return _parse_time(value) != datetime.min.replace(tzinfo=UTC)


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        return datetime.min.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
