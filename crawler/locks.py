"""One run per source at a time: a lock per source that refuses overlapping runs.

``lcom schedule`` takes the lock of a source before it starts a crawl of it and holds
it until the crawl has ended. A second scheduler (a cron line firing while the last
run is still going, two timers, an operator by hand) finds the lock held and refuses
with the holder's process id, host and start time.

:class:`SourceLock` is the interface; :class:`FileLock` keeps the lock in the source's
job folder with ``flock``: the kernel releases it when the holder dies however it
dies, so a lock file left behind by a killed run is *stale* and is taken over (and
said so), never honoured. ``flock`` is reliable on local file systems only; several
machines need a shared lock, e.g. in Redis, registered in :data:`LOCK_BACKENDS`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

logger = logging.getLogger(__name__)

LOCK_FILE = "lcom-run.lock"


class LockHeld(RuntimeError):
    """Another run of the source holds its lock; the message says which."""

    def __init__(self, source: str, holder: dict[str, Any], where: str) -> None:
        self.source = source
        self.holder = holder
        since = holder.get("since", "an unknown time")
        who = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
        super().__init__(
            f"source {source} is already being crawled ({who}, since {since}; lock {where}): "
            "this run is refused so that two runs never overlap. Wait for that run to end, "
            "or stop it (SIGTERM) if it is stuck"
        )


class SourceLock(Protocol):
    """What a per-source lock offers; ``acquire`` raises :class:`LockHeld`."""

    def acquire(self) -> None: ...

    def release(self) -> None: ...

    def __enter__(self) -> SourceLock: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class FileLock:
    """``flock`` on ``<jobdir>/lcom-run.lock``; the file names the holder."""

    def __init__(self, jobdir: Path, source: str) -> None:
        self.path = Path(jobdir) / LOCK_FILE
        self.source = source
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._read(handle)
            handle.close()
            raise LockHeld(self.source, holder, str(self.path)) from None
        previous = self._read(handle)
        if previous.get("pid"):
            # The kernel released the holder's flock: it has ended without cleaning up.
            logger.warning(
                "stale lock of source %s (pid %s on %s, since %s) taken over: that run "
                "ended without releasing it",
                self.source,
                previous.get("pid"),
                previous.get("host"),
                previous.get("since"),
            )
        handle.seek(0)
        handle.truncate()
        holder = {
            "source": self.source,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        handle.write(json.dumps(holder))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    @staticmethod
    def _read(handle: IO[str]) -> dict[str, Any]:
        try:
            handle.seek(0)
            data = json.loads(handle.read() or "{}")
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


#: ``LCOM_SCHEDULE_LOCK`` names one of these; each is built as ``backend(jobdir, source)``.
LOCK_BACKENDS: dict[str, Any] = {"file": FileLock}


def source_lock(jobdir: Path, source: str, backend: str | None = None) -> SourceLock:
    """The lock of ``source`` (``backend`` defaults to ``LCOM_SCHEDULE_LOCK`` or ``file``)."""
    name = backend or os.environ.get("LCOM_SCHEDULE_LOCK") or "file"
    try:
        factory = LOCK_BACKENDS[name]
    except KeyError:
        raise ValueError(
            f"unknown lock backend {name!r} (LCOM_SCHEDULE_LOCK); known: "
            + ", ".join(sorted(LOCK_BACKENDS))
        ) from None
    lock: SourceLock = factory(jobdir, source)
    return lock
