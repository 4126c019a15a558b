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
from concurrent.futures import Executor
from typing import TypeVar

T = TypeVar("T")

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
