"""Move ``last_seen`` forward on hits a recrawl found unchanged, in one bulk call.

An incremental recrawl (``crawler/incremental.py``) does not fetch an ad whose listing
card did not change. Its stored hit is still on the site, so its ``last_seen`` moves to
the run's start; nothing else in the document changes (``seen_count`` and ``review``
stay as stored). One ``update`` action per hit, sent with ``async_streaming_bulk``
under the indexer's error policy: retried on 429, never raising; a hit that is gone
(``document_missing``, e.g. deleted by retention) is counted, not recreated.

:func:`emulate_touch` is the Python reference of :data:`TOUCH_SCRIPT` that the ES
wire-protocol test server executes; change both together.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_streaming_bulk

from pipelines.es.script import _instant

HITS_ALIAS = "lcom-hits"

TOUCH_SCRIPT = """\
if (ctx._source.last_seen == null) {
  ctx.op = 'noop';
} else {
  long stored = ZonedDateTime.parse(ctx._source.last_seen).toInstant().toEpochMilli();
  long seen = ZonedDateTime.parse(params.last_seen).toInstant().toEpochMilli();
  if (seen <= stored) {
    ctx.op = 'noop';
  } else {
    ctx._source.last_seen = params.last_seen;
  }
}
"""


def emulate_touch(
    stored: dict[str, Any] | None, params: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """:data:`TOUCH_SCRIPT` in Python: ``(new source, "updated" | "noop")``."""
    if stored is None or stored.get("last_seen") is None:
        return stored, "noop"
    if _instant(params["last_seen"]) <= _instant(stored["last_seen"]):
        return stored, "noop"
    source = copy.deepcopy(stored)
    source["last_seen"] = params["last_seen"]
    return source, "updated"


def _actions(doc_ids: Iterable[str], last_seen: str, alias: str) -> Iterable[dict[str, Any]]:
    for doc_id in doc_ids:
        yield {
            "_op_type": "update",
            "_index": alias,
            "_id": doc_id,
            "retry_on_conflict": 3,
            "script": {
                "lang": "painless",
                "source": TOUCH_SCRIPT,
                "params": {"last_seen": last_seen},
            },
        }


async def touch_last_seen(
    client: AsyncElasticsearch,
    doc_ids: list[str],
    when: datetime,
    *,
    alias: str = HITS_ALIAS,
    chunk_size: int = 500,
) -> dict[str, int]:
    """Set ``last_seen`` of ``doc_ids`` to ``when`` where it is older; counts by result."""
    last_seen = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    counts: dict[str, int] = {}
    async for ok, item in async_streaming_bulk(
        client,
        _actions(doc_ids, last_seen, alias),
        chunk_size=chunk_size,
        max_retries=3,
        raise_on_error=False,
        raise_on_exception=False,
    ):
        info = item.get("update", {})
        if ok:
            result = str(info.get("result") or "updated")
        elif info.get("status") == 404:
            result = "missing"
        else:
            result = "failed"
        counts[result] = counts.get(result, 0) + 1
    return counts


async def touch_from_env(doc_ids: list[str], when: datetime) -> dict[str, int]:
    """:func:`touch_last_seen` on the cluster of ``ELASTICSEARCH_URL``; without one, or
    when it cannot be reached, the hits are counted as ``not_sent`` (never raises)."""
    import logging

    from pipelines.es.client import EsConnectionConfig, make_async_client

    config = EsConnectionConfig.from_env()
    if config is None:
        return {"not_sent": len(doc_ids)}
    client = make_async_client(config)
    try:
        return await touch_last_seen(client, doc_ids, when)
    except Exception:
        logging.getLogger(__name__).warning(
            "could not move last_seen of %d unchanged hit(s)", len(doc_ids), exc_info=True
        )
        return {"not_sent": len(doc_ids)}
    finally:
        await client.close()
