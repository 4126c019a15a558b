"""Where analysis stages and blocking calls run: inline while cheap, else in a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pipelines.offload import INLINE_TEXT_CHARS, GroupCommit, InlineWhileFast, run_sized

T = TypeVar("T")


def caller_thread() -> threading.Thread:
    return threading.current_thread()


def test_small_work_runs_inline_and_large_work_in_a_thread() -> None:
    async def main() -> tuple[threading.Thread, threading.Thread]:
        small = await run_sized(INLINE_TEXT_CHARS, caller_thread)
        large = await run_sized(INLINE_TEXT_CHARS + 1, caller_thread)
        return small, large

    small, large = asyncio.run(main())
    assert small is threading.main_thread()
    assert large is not threading.main_thread()


def test_fast_calls_stay_inline() -> None:
    runner = InlineWhileFast(limit=1.0)

    async def main() -> list[threading.Thread]:
        return [await runner.run(caller_thread) for _ in range(3)]

    assert asyncio.run(main()) == [threading.main_thread()] * 3


def test_after_a_slow_call_the_next_runs_in_a_thread_until_one_is_fast_again() -> None:
    runner = InlineWhileFast(limit=0.01)

    def slow() -> threading.Thread:
        time.sleep(0.05)
        return threading.current_thread()

    async def main() -> list[threading.Thread]:
        return [
            await runner.run(slow),  # inline, found slow
            await runner.run(caller_thread),  # in a thread, found fast
            await runner.run(caller_thread),  # inline again
        ]

    first, second, third = asyncio.run(main())
    assert first is threading.main_thread()
    assert second is not threading.main_thread()
    assert third is threading.main_thread()


def test_a_remote_call_always_runs_in_the_thread() -> None:
    runner = InlineWhileFast(inline=False)

    async def main() -> list[threading.Thread]:
        return [await runner.run(caller_thread) for _ in range(3)]

    assert threading.main_thread() not in asyncio.run(main())


def test_calls_never_overlap_while_one_is_still_in_the_thread() -> None:
    executor = ThreadPoolExecutor(1)
    runner = InlineWhileFast(limit=0.01, executor=executor)
    running, overlaps = [0], [0]
    release = threading.Event()

    def call(wait: bool) -> None:
        running[0] += 1
        overlaps[0] += running[0] > 1
        if wait:
            release.wait(5)
        running[0] -= 1

    async def main() -> None:
        runner.slow = True  # the first call goes to the thread and waits there
        first = asyncio.create_task(runner.run(lambda: call(True)))
        await asyncio.sleep(0.05)
        runner.slow = False  # fast again: still, nothing may run inline beside it
        second = asyncio.create_task(runner.run(lambda: call(False)))
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(first, second)

    try:
        asyncio.run(main())
    finally:
        executor.shutdown()
    assert overlaps == [0]


def slow_only_in_a_thread(seconds: float) -> threading.Thread:
    """Like a call that waits for the GIL a busy reactor holds: slow in a thread only."""
    if threading.current_thread() is not threading.main_thread():
        time.sleep(seconds)
    return threading.current_thread()


def test_calls_that_are_slow_only_in_the_thread_come_back_inline_through_a_probe() -> None:
    runner = InlineWhileFast(limit=0.002)
    runner.PROBE_EVERY = 4
    runner.slow = True

    async def main() -> list[threading.Thread]:
        return [await runner.run(lambda: slow_only_in_a_thread(0.005)) for _ in range(6)]

    where = [thread is threading.main_thread() for thread in asyncio.run(main())]
    # Three calls in the thread (each looks slow), the fourth a probe inline: fast, so
    # the calls stay inline.
    assert where == [False, False, False, True, True, True]


def test_a_stalled_call_is_not_probed_inline() -> None:
    runner = InlineWhileFast(limit=0.002)
    runner.PROBE_EVERY = 2
    runner.slow = True

    async def main() -> list[threading.Thread]:
        # Each call takes more than ten times the limit in the thread: a stalled disk.
        return [await runner.run(lambda: slow_only_in_a_thread(0.03)) for _ in range(5)]

    assert threading.main_thread() not in asyncio.run(main())


# -- group commit -------------------------------------------------------------------------
def recording_writer(written: list[T]) -> GroupCommit[T, T]:
    """A group commit whose write appends to ``written`` and returns the items."""

    def write(items: list[T]) -> list[T]:
        written.extend(items)
        return items

    return GroupCommit(write)


def test_a_group_commit_writes_what_queued_meanwhile_in_one_call_in_order() -> None:
    calls: list[list[int]] = []
    threads: set[threading.Thread] = set()

    def write(items: list[int]) -> list[int]:
        threads.add(threading.current_thread())
        time.sleep(0.02)  # a slow fsync: the others queue meanwhile
        calls.append(items)
        return [item * 10 for item in items]

    writer: GroupCommit[int, int] = GroupCommit(write)

    async def main() -> list[int]:
        return await asyncio.gather(*(writer.submit(n) for n in range(6)))

    assert asyncio.run(main()) == [0, 10, 20, 30, 40, 50]
    writer.close()
    assert [n for call in calls for n in call] == list(range(6))
    assert len(calls) < 6 and writer.groups == len(calls) and writer.items == 6
    assert threading.main_thread() not in threads


def test_a_failed_group_raises_for_each_waiter_and_reports_the_unawaited() -> None:
    failures: list[tuple[str, int]] = []
    written: list[int] = []

    def write(items: list[int]) -> list[int]:
        if 3 in items:
            raise OSError("disk full")
        written.extend(items)
        return items

    writer: GroupCommit[int, int] = GroupCommit(
        write, lambda exc, count: failures.append((str(exc), count))
    )
    later: list[int] = []

    async def main() -> tuple[object, int]:
        first = asyncio.ensure_future(writer.submit(1))
        await asyncio.sleep(0.05)
        failing = asyncio.ensure_future(writer.submit(3))  # queues 3 when it first runs,
        writer.submit_nowait(2)  # before the group is taken: 2 and 3 fail together
        results = await asyncio.gather(failing, return_exceptions=True)
        writer.submit_nowait(4, then=later.append)
        await writer.drain()
        return results[0], await first

    error, first = asyncio.run(main())
    writer.close()
    assert isinstance(error, OSError) and first == 1
    assert failures == [("disk full", 1)]
    assert written == [1, 4] and later == [4]


def test_a_group_commit_without_a_running_loop_writes_at_once() -> None:
    written: list[str] = []
    writer = recording_writer(written)
    seen: list[str] = []
    writer.submit_nowait("a", then=seen.append)
    assert written == ["a"] and seen == ["a"]
    writer.close()


def test_one_item_that_cannot_be_written_fails_alone() -> None:
    failures: list[tuple[str, int]] = []

    def write(items: list[int]) -> list[int | BaseException]:
        return [ValueError(f"bad {n}") if n % 2 else n for n in items]

    writer: GroupCommit[int, int] = GroupCommit(
        write, lambda exc, count: failures.append((str(exc), count))
    )
    seen: list[int] = []

    async def main() -> list[object]:
        waiting = [asyncio.ensure_future(writer.submit(n)) for n in (0, 1, 2)]
        writer.submit_nowait(3, then=seen.append)  # same group: fails alone
        writer.submit_nowait(4, then=seen.append)
        return await asyncio.gather(*waiting, return_exceptions=True)

    first, second, third = asyncio.run(main())
    writer.close()
    assert first == 0 and third == 2 and isinstance(second, ValueError)
    assert failures == [("bad 3", 1)] and seen == [4]
    assert writer.items == 3


def test_a_follow_up_that_raises_never_stops_the_others() -> None:
    def then(n: int) -> None:
        raise RuntimeError("follow-up failed")

    writer = recording_writer([])
    seen: list[int] = []

    async def main() -> int:
        writer.submit_nowait(1, then=then)
        writer.submit_nowait(2, then=seen.append)
        waiter = writer.submit(3)
        await writer.drain()
        return await waiter

    assert asyncio.run(main()) == 3 and seen == [2]
    writer.close()


def test_a_write_with_the_wrong_number_of_outcomes_fails_the_group_and_is_reported() -> None:
    failures: list[int] = []
    writer: GroupCommit[int, int] = GroupCommit(
        lambda items: items[:1], lambda exc, count: failures.append(count)
    )

    async def main() -> None:
        writer.submit_nowait(1)
        writer.submit_nowait(2)
        await writer.drain()

    asyncio.run(main())
    writer.close()
    assert failures == [2] and writer.items == 0


def test_a_cancelled_flush_leaves_nothing_unwritten() -> None:
    written: list[int] = []
    started = threading.Event()

    def write(items: list[int]) -> list[int]:
        started.set()
        time.sleep(0.05)
        written.extend(items)
        return items

    writer: GroupCommit[int, int] = GroupCommit(write)

    async def main() -> None:
        writer.submit_nowait(1)
        await asyncio.get_running_loop().run_in_executor(None, started.wait)
        writer.submit_nowait(2)  # queued behind the group in the thread
        assert writer._flusher is not None
        writer._flusher.cancel()  # the loop going away mid-write
        await writer.drain()  # a new flusher takes what was still queued

    asyncio.run(main())
    writer.close()
    assert sorted(written) == [1, 2]


def test_close_writes_what_a_loop_left_queued() -> None:
    written: list[int] = []
    writer = recording_writer(written)
    seen: list[int] = []

    async def main() -> None:
        writer.submit_nowait(1, then=seen.append)
        assert writer._flusher is not None
        writer._flusher.cancel()  # the loop goes away before the flush runs

    asyncio.run(main())
    writer.close()
    assert written == [1] and seen == [1]


def test_a_window_gathers_the_items_that_come_meanwhile_into_one_group() -> None:
    calls: list[list[int]] = []

    def write(items: list[int]) -> list[int]:
        calls.append(items)
        return items

    writer: GroupCommit[int, int] = GroupCommit(write, window=0.5)

    async def main() -> list[int]:
        first = asyncio.ensure_future(writer.submit(1))
        await asyncio.sleep(0.01)  # well within the window: the same group
        second = asyncio.ensure_future(writer.submit(2))
        return [await first, await second, await writer.submit(3)]

    assert asyncio.run(main()) == [1, 2, 3]
    writer.close()
    assert calls == [[1, 2], [3]]


def test_follow_ups_run_in_the_order_the_items_came_awaited_or_not() -> None:
    seen: list[str] = []
    writer: GroupCommit[str, str] = GroupCommit(lambda items: items, window=0.05)

    async def main() -> None:
        first = asyncio.ensure_future(writer.submit("hit", then=seen.append))
        await asyncio.sleep(0)
        writer.submit_nowait("update", then=seen.append)
        await first
        seen.append("hit returned")
        await writer.drain()

    asyncio.run(main())
    writer.close()
    assert seen == ["hit", "update", "hit returned"]
