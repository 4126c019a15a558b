"""Where an analysis stage does its work: inline for ordinary ads, a worker thread for long ones.

Pseudonymisation and the indicator engine are pure Python: they hold the GIL, so a
worker thread gives them no parallelism. What a thread gives is a reactor that keeps
serving downloads, the kill switch and worker heartbeats while a long ad is analysed.
For an ordinary ad the hand-over costs more than the work (a queue, a thread wake-up, a
GIL hand-over and a loop wake-up each way): in the crawl benchmark the four hand-overs
per hit were a sixth of lcom's CPU per page. So an ad with at most :data:`INLINE_TEXT_CHARS`
characters of text runs inline (a few milliseconds at most: the engines are linear in
the text), a longer one in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")

logger = logging.getLogger(__name__)

#: Ads with at most this many characters of text are analysed inline (about 5 ms of work
#: per stage at most); longer ones in a worker thread.
INLINE_TEXT_CHARS = 4_000
_inline_only = False


def always_inline() -> None:
    """Run every call inline from now on: for a process without a reactor to keep
    responsive (the analysis worker, ``pipelines/analysis.py``)."""
    global _inline_only
    _inline_only = True


async def run_sized(size: int, function: Callable[[], T]) -> T:
    """``function()`` inline when ``size`` (characters of text) is small, else in a thread."""
    if size <= INLINE_TEXT_CHARS or _inline_only:
        return function()
    return await asyncio.to_thread(function)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


class InlineWhileFast:
    """Runs a blocking call (a disk write with ``fsync``, a local SQLite transaction)
    inline while it stays fast, and in a worker thread from the first call that took
    longer than ``limit`` seconds until one is fast again: on a quick local disk the
    hand-over costs more than the call; on a slow or stalled disk the reactor keeps
    running. ``inline=False`` always uses the thread (a store across the network).

    A call in the thread is timed with its wait for the GIL, which a busy reactor holds:
    on a loaded machine no call there would look fast again. So while slow, every
    :attr:`PROBE_EVERY`-th call runs inline as a probe, unless the last call took more
    than ten times ``limit`` (a stalled disk keeps its calls in the thread).

    Calls never overlap when ``executor`` has one thread: a call runs inline only when
    no earlier call is still queued or running there.
    """

    PROBE_EVERY = 32

    def __init__(
        self, limit: float = 0.002, executor: Executor | None = None, *, inline: bool = True
    ) -> None:
        self.limit = limit
        self.executor = executor  # None: asyncio's default thread pool
        self.slow = not inline
        self._inline = inline
        self._in_thread = 0
        self._since_probe = 0
        self._last = 0.0  # seconds the last call took

    async def run(self, function: Callable[[], T]) -> T:
        if _inline_only:
            return function()
        if not self._in_thread and (not self.slow or self._probe()):
            return self._timed(function)
        self._in_thread += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, self._timed, function)
        finally:
            self._in_thread -= 1

    def _probe(self) -> bool:
        if not self._inline:
            return False
        self._since_probe += 1
        if self._since_probe < self.PROBE_EVERY or self._last > 10 * self.limit:
            return False
        self._since_probe = 0
        return True

    def _timed(self, function: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return function()
        finally:
            if self._inline:
                self._last = time.perf_counter() - started
                self.slow = self._last > self.limit


class GroupCommit(Generic[T, R]):
    """Hands items to ``write(items)`` in one worker thread, in the order they came, each
    call taking everything that queued while the one before ran: with a durable write
    (an ``fsync`` per call) a busy crawl pays one flush for many hits, and the reactor
    never waits for the disk.

    ``write`` returns one outcome per item, in order: its result, or the exception that
    kept that item from being written (one bad item never fails the others); an exception
    ``write`` raises fails its whole group. :meth:`submit` returns the item's own result
    once it is written (or raises its exception); :meth:`submit_nowait` queues an item
    nobody awaits, in the same order, and calls ``then(result)`` once it is written (a
    failure goes to ``on_error``). :meth:`drain` waits until everything queued is written;
    :meth:`close` writes, inline, whatever is still queued. Without a running event loop
    an item is written at once, inline.

    ``window`` (seconds) is how long the first item of a group waits for others before
    the group is handed over: every hand-over wakes the thread, and each wake-up makes
    the event loop's thread wait for the GIL once more; at hundreds of items a second a
    few milliseconds make groups of several.
    """

    def __init__(
        self,
        write: Callable[[list[T]], Sequence[R | BaseException]],
        on_error: Callable[[BaseException, int], None] | None = None,
        *,
        window: float = 0.0,
        name: str = "lcom-group-commit",
    ) -> None:
        self._write = write
        self._window = window
        self._on_error = on_error
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._queued: list[_Queued[T, R]] = []
        self._flusher: asyncio.Task[None] | None = None
        #: Groups written and items in them (for stats and tests).
        self.groups = 0
        self.items = 0

    async def submit(self, item: T, then: Callable[[R], object] | None = None) -> R:
        """Queue ``item`` and return its result once it is written; ``then(result)`` runs
        first, in the order the items came (with those of :meth:`submit_nowait`)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queued.append(_Queued(item, future, then))
        self._start()
        return await future

    def submit_nowait(self, item: T, then: Callable[[R], object] | None = None) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._write_inline([_Queued(item, None, then)])
            return
        self._queued.append(_Queued(item, None, then))
        self._start()

    async def drain(self) -> None:
        """Wait until everything queued is written (or has failed); never raises for a
        failed item, which its waiter or ``on_error`` has had."""
        while self._flusher is not None or self._queued:
            if self._flusher is None:
                self._start()
            flusher = self._flusher
            assert flusher is not None
            try:
                await asyncio.shield(flusher)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # drain() itself was cancelled
                # The flusher was cancelled: what is still queued gets a new one.
                if self._flusher is flusher:
                    self._flusher = None

    def close(self) -> None:
        """Write what is still queued (a loop that went away), then stop the thread."""
        if self._queued:
            group, self._queued = self._queued, []
            self._write_inline(group)
        self._executor.shutdown(wait=True)

    def _start(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            # Only the first group waits: later ones queued while the one before was written.
            if self._window:
                await asyncio.sleep(self._window)
            while self._queued:
                group, self._queued = self._queued, []
                try:
                    outcomes = await loop.run_in_executor(self._executor, self._call_write, group)
                except BaseException as exc:
                    self._resolve(group, [exc] * len(group))
                    if not isinstance(exc, Exception):
                        raise  # cancelled: the loop is going away
                    continue
                self._resolve(group, outcomes)
        finally:
            self._flusher = None

    def _write_inline(self, group: list[_Queued[T, R]]) -> None:
        try:
            outcomes = self._call_write(group)
        except Exception as exc:
            outcomes = [exc] * len(group)
        self._resolve(group, outcomes)

    def _call_write(self, group: list[_Queued[T, R]]) -> Sequence[R | BaseException]:
        outcomes = self._write([queued.item for queued in group])
        if len(outcomes) != len(group):
            raise RuntimeError(
                f"group write returned {len(outcomes)} outcome(s) for {len(group)} item(s)"
            )
        return outcomes

    def _resolve(self, group: list[_Queued[T, R]], outcomes: Sequence[R | BaseException]) -> None:
        """Give each item its own outcome; a raising ``then`` never stops the others."""
        written = 0
        unwritten: Counter[BaseException] = Counter()  # one error may fail several items
        for queued, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if queued.future is not None:
                    if not queued.future.done():
                        queued.future.set_exception(outcome)
                else:
                    unwritten[outcome] += 1
                continue
            written += 1
            if queued.then is not None:
                try:
                    queued.then(outcome)
                except Exception:
                    logger.exception("the follow-up of a written item failed")
            if queued.future is not None and not queued.future.done():
                queued.future.set_result(outcome)
        if written:
            self.groups += 1
            self.items += written
        if self._on_error is not None:
            for exc, count in unwritten.items():
                self._on_error(exc, count)


class _Queued(NamedTuple, Generic[T, R]):
    item: T
    future: asyncio.Future[R] | None
    then: Callable[[R], object] | None
