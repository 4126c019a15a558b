"""Unchanged hits of an incremental recrawl: only ``last_seen`` moves, in one bulk call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from pipelines.es.client import make_async_client
from pipelines.es.spool import Spool
from pipelines.es.touch import emulate_touch, touch_last_seen
from tests.es.conftest import Cluster
from tests.es.hits import make_hit
from tests.es.test_indexing import index_docs


def test_touch_moves_last_seen_only_and_in_one_bulk_request(
    es_cluster: Cluster, tmp_path: Path
) -> None:
    docs = [make_hit(es_cluster.prefix, n, seen="2026-11-20T10:00:00Z") for n in range(3)]
    with Spool(tmp_path / "spool") as spool:
        index_docs(es_cluster.config, spool, docs)
    before = es_cluster.documents()
    ids = sorted(before)
    missing = f"{es_cluster.prefix}gone"
    bulk_before = es_cluster.server.bulk_requests if es_cluster.server else 0

    async def run() -> dict[str, int]:
        client = make_async_client(es_cluster.config)
        try:
            return await touch_last_seen(
                client, [*ids, missing], datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
            )
        finally:
            await client.close()

    counts = asyncio.run(run())
    assert counts == {"updated": 3, "missing": 1}
    if es_cluster.server is not None:
        assert es_cluster.server.bulk_requests == bulk_before + 1
    after = es_cluster.documents()
    assert missing not in after, "a hit that is gone is not recreated"
    for doc_id in ids:
        assert after[doc_id]["last_seen"] == "2026-12-04T09:00:00Z"
        unchanged = {k: v for k, v in after[doc_id].items() if k != "last_seen"}
        assert unchanged == {k: v for k, v in before[doc_id].items() if k != "last_seen"}


def test_touch_never_moves_last_seen_backwards() -> None:
    stored = {"last_seen": "2026-12-05T00:00:00Z", "seen_count": 2}
    assert emulate_touch(stored, {"last_seen": "2026-12-04T00:00:00Z"}) == (stored, "noop")
    moved, result = emulate_touch(stored, {"last_seen": "2026-12-06T00:00:00+00:00"})
    assert result == "updated" and moved == {
        "last_seen": "2026-12-06T00:00:00+00:00",
        "seen_count": 2,
    }
