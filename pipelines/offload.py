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
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

T = TypeVar("T")

#: Ads with at most this many characters of text are analysed inline (about 5 ms of work
#: per stage at most); longer ones in a worker thread.
INLINE_TEXT_CHARS = 4_000


async def run_sized(size: int, function: Callable[[], T]) -> T:
    """``function()`` inline when ``size`` (characters of text) is small, else in a thread."""
    if size <= INLINE_TEXT_CHARS:
        return function()
    return await asyncio.to_thread(function)


class InlineWhileFast:
    """Runs a blocking call (a disk write with ``fsync``, a local SQLite transaction)
    inline while it stays fast, and in a worker thread from the first call that took
    longer than ``limit`` seconds until one is fast again: on a quick local disk the
    hand-over costs more than the call; on a slow or stalled disk the reactor keeps
    running. ``inline=False`` always uses the thread (a store across the network).

    Calls never overlap when ``executor`` has one thread: a call runs inline only when
    no earlier call is still queued or running there.
    """

    def __init__(
        self, limit: float = 0.002, executor: Executor | None = None, *, inline: bool = True
    ) -> None:
        self.limit = limit
        self.executor = executor  # None: asyncio's default thread pool
        self.slow = not inline
        self._inline = inline
        self._in_thread = 0

    async def run(self, function: Callable[[], T]) -> T:
        if not self.slow and not self._in_thread:
            return self._timed(function)
        self._in_thread += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, self._timed, function)
        finally:
            self._in_thread -= 1

    def _timed(self, function: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return function()
        finally:
            if self._inline:
                self.slow = time.perf_counter() - started > self.limit
