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
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")

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

    :meth:`submit` returns the item's own result once its group is written (or raises
    what the write raised); :meth:`submit_nowait` queues an item nobody awaits, in the
    same order, and calls ``then(result)`` once it is written (a failure goes to
    ``on_error``). :meth:`drain` waits until everything queued is written. Without a
    running event loop an item is written at once, inline.
    """

    def __init__(
        self,
        write: Callable[[list[T]], list[R]],
        on_error: Callable[[BaseException, int], None] | None = None,
        *,
        name: str = "lcom-group-commit",
    ) -> None:
        self._write = write
        self._on_error = on_error
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._queued: list[_Queued[T, R]] = []
        self._flusher: asyncio.Task[None] | None = None
        #: Groups written and items in them (for stats and tests).
        self.groups = 0
        self.items = 0

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queued.append(_Queued(item, future, None))
        self._start()
        return await future

    def submit_nowait(self, item: T, then: Callable[[R], object] | None = None) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            (result,) = self._write([item])
            if then is not None:
                then(result)
            return
        self._queued.append(_Queued(item, None, then))
        self._start()

    async def drain(self) -> None:
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _start(self) -> None:
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queued:
                group, self._queued = self._queued, []
                try:
                    results = await loop.run_in_executor(
                        self._executor, self._write, [q.item for q in group]
                    )
                except BaseException as exc:
                    self._failed(group, exc)
                    if not isinstance(exc, Exception):
                        raise  # cancelled: the loop is going away
                    continue
                self.groups += 1
                self.items += len(group)
                for queued, result in zip(group, results, strict=True):
                    if queued.future is not None:
                        if not queued.future.done():
                            queued.future.set_result(result)
                    elif queued.then is not None:
                        queued.then(result)
        finally:
            self._flusher = None

    def _failed(self, group: list[_Queued[T, R]], exc: BaseException) -> None:
        nobody = 0
        for queued in group:
            if queued.future is None:
                nobody += 1
            elif not queued.future.done():
                queued.future.set_exception(exc)
        if nobody and self._on_error is not None:
            self._on_error(exc, nobody)


class _Queued(NamedTuple, Generic[T, R]):
    item: T
    future: asyncio.Future[R] | None
    then: Callable[[R], object] | None
