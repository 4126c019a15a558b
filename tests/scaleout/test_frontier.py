"""The shared frontier's Redis operations, against a real redis-server."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from scrapy.http import Request

from crawler import frontier
from crawler.scheduler import decode_request, encode_request

pytestmark = pytest.mark.redis


def make(url: str, worker: str = "w1", ttl: float = 5.0) -> frontier.Frontier:
    client = frontier.connect(url)
    return frontier.Frontier(client, frontier.RunKeys("demo", "run1"), worker, heartbeat_ttl=ttl)


def test_a_request_is_queued_once_per_run_whatever_the_number_of_workers(redis_url: str) -> None:
    one, two = make(redis_url, "w1"), make(redis_url, "w2")
    assert one.push("fp1", b"a")
    assert not two.push("fp1", b"a-again")
    assert two.push(None, b"never-filtered")
    assert one.queued() == 2


def test_a_taken_request_stays_in_the_processing_list_until_acknowledged(redis_url: str) -> None:
    worker = make(redis_url)
    worker.register()
    worker.push("fp1", b"first")
    worker.push("fp2", b"second")
    assert worker.take() == b"first"  # FIFO
    assert worker.queued() == 1
    assert worker.outstanding() == 2
    worker.ack([b"first"])
    assert worker.outstanding() == 1


def test_the_requests_of_a_worker_whose_heartbeat_expired_are_queued_again(
    redis_url: str,
) -> None:
    dead, alive = make(redis_url, "dead", ttl=0.2), make(redis_url, "alive")
    dead.register()
    alive.register()
    dead.push("fp1", b"held")
    assert dead.take() == b"held"
    assert alive.reap() == 0  # still alive
    import time

    time.sleep(0.3)
    assert alive.reap() == 1
    assert alive.take() == b"held"
    assert alive.outstanding() == 1


def test_a_worker_that_leaves_gives_back_what_it_holds(redis_url: str) -> None:
    worker, other = make(redis_url, "w1"), make(redis_url, "w2")
    worker.register()
    worker.push("fp1", b"held")
    worker.take()
    worker.unregister()
    assert other.take() == b"held"


def test_the_stop_key_keeps_the_first_reason(redis_url: str) -> None:
    one, two = make(redis_url, "w1"), make(redis_url, "w2")
    assert two.stop_requested() is None
    one.publish_stop("kill_switch", "lcom_kill_switch")
    two.publish_stop("page_cap", "lcom_page_cap")
    assert two.stop_requested() == ("kill_switch", "lcom_kill_switch")


def test_the_page_counter_is_shared(redis_url: str) -> None:
    one, two = make(redis_url, "w1"), make(redis_url, "w2")
    assert [one.count_page(), two.count_page(), one.count_page()] == [1, 2, 3]


def test_the_token_bucket_spaces_requests_of_every_caller_by_the_interval(redis_url: str) -> None:
    async def reserve_all() -> list[float]:
        buckets = [frontier.TokenBucket(frontier.connect_async(redis_url)) for _ in range(3)]
        waits = [await buckets[i % 3].reserve("127.0.0.1", 0.1) for i in range(9)]
        for bucket in buckets:
            await bucket.client.aclose()
        return waits

    waits = asyncio.run(reserve_all())
    assert waits[0] == pytest.approx(0.0, abs=0.02)
    for before, after in itertools.pairwise(waits):
        assert after - before == pytest.approx(0.1, abs=0.02)


def test_requests_are_stored_as_json_and_rebuilt_by_the_spider() -> None:
    class Spider:
        def request_for(self, url: str, **kwargs: object) -> Request:
            return Request(url, meta={"lcom_page_type": "ad"}, **kwargs)  # type: ignore[arg-type]

    original = Request(
        "http://127.0.0.1/ad/1",
        priority=-2,
        meta={"depth": 3, "retry_times": 1, "playwright_page_methods": [object()]},
    )
    payload = encode_request(original)
    assert json.loads(payload)["meta"] == {"depth": 3, "retry_times": 1}
    rebuilt = decode_request(payload, Spider())
    assert rebuilt is not None
    assert (rebuilt.url, rebuilt.priority, rebuilt.meta["depth"]) == (original.url, -2, 3)
    assert decode_request(b"\x80\x04pickle", Spider()) is None


def test_the_password_never_appears_in_a_logged_url() -> None:
    assert (
        frontier.redacted_url("redis://:s3cret@10.0.0.5:6379/0") == "redis://:***@10.0.0.5:6379/0"
    )
    assert "s3cret" not in frontier.redacted_url("redis://lcom:s3cret@host/0")


def test_a_stopped_run_is_never_joined_again(redis_url: str) -> None:
    client = frontier.connect(redis_url)
    assert frontier.open_run(client, "demo", "run1") == "run1"
    assert frontier.open_run(client, "demo", "run2") == "run1"  # joins the current run
    make(redis_url).publish_stop("kill_switch", "lcom_kill_switch")
    assert frontier.open_run(client, "demo", "run3") == "run3"


def test_a_finished_run_releases_the_source(redis_url: str) -> None:
    client = frontier.connect(redis_url)
    frontier.open_run(client, "demo", "run1")
    worker = make(redis_url)
    worker.register()
    worker.unregister()
    worker.finish()
    assert frontier.current_run(client, "demo") is None
    assert 0 < int(client.ttl(worker.keys.seen)) <= frontier.RUN_KEYS_TTL or not client.exists(
        worker.keys.seen
    )
