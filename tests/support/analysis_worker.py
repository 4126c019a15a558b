"""Scenarios of the analysis pipeline, each run in a fresh interpreter (:func:`spawned`).

The pipeline forks its worker only while the process runs no other thread, and a test
session has threads of other tests' servers: so every scenario runs in a process of its
own (``multiprocessing``'s spawn: a new interpreter), which returns plain data.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from pipelines.elasticsearch import hit_updates

MAX_TEXT = 20_000
HIT = (
    "Hi, I am Anna, new in town, only this week! Young girl 19 years, 24/7 available, "
    "no condom extra. My manager answers the phone, call 06-12345678."
)
ORDINARY = "Cosy room to let near the station, 3 housemates, call 06-12345678 after six."


def ad(number: int, text: str, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "demo",
        "source_ad_id": f"ad-{number}",
        "url": f"http://127.0.0.1:1/ad/{number}",
        "title": f"Ad {number}",
        "text": text,
        "city": "Utrecht",
        "name": "Anna",
        "contacts_raw": ["06-12345678"],
        "source_kind": "escort",
        "fetched_at": "2026-12-06T10:00:00Z",
    }
    item.update(fields)
    return item


#: A hit, an ordinary ad, a long ad (worked through in a thread in the crawl process), one
#: longer than LCOM_MAX_TEXT_CHARS (dropped), a Dutch ad, and the same contact in three
#: more cities (a carousel: earlier hits get partial updates).
ITEMS = [
    ad(1, HIT),
    ad(2, ORDINARY, source_kind="classifieds"),
    ad(3, HIT + " " + "Sweet and discreet, incall and outcall. " * 120, city="Amsterdam"),
    ad(4, "x" * (MAX_TEXT + 1)),
    ad(5, "Hallo, ik ben Sanne, nieuw in de stad, bel 0612345678 of mail sanne@example.nl"),
    ad(6, HIT, city="Rotterdam", title="Anna in Rotterdam"),
    ad(7, HIT, city="Eindhoven", title="Anna in Eindhoven"),
]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def scenario(name: str, worker: bool, link_db: str) -> dict[str, Any]:
    """Run ``name`` with the worker on or off; return what a test compares."""
    from pipelines.analysis import AnalysisPipeline

    records = _Records()
    logging.getLogger().addHandler(records)
    logging.getLogger().setLevel(logging.INFO)
    crawler = get_crawler(
        settings_dict={
            "LCOM_ANALYSIS_WORKER": worker,
            "LCOM_MAX_TEXT_CHARS": MAX_TEXT,
            "LCOM_LINKS_DB": link_db,
        }
    )
    crawler.stats.open_spider()
    updates: list[Any] = []

    def receiver(updates: Any = (), **kwargs: Any) -> None:
        collected.extend(updates)

    collected = updates
    # Scrapy holds receivers weakly: ``receiver`` lives until the scenario returns.
    crawler.signals.connect(receiver, signal=hit_updates)

    pipeline = AnalysisPipeline.from_crawler(crawler)
    out: dict[str, Any] = {"in_worker": pipeline.in_worker}
    pipeline.open_spider(None)
    items = copy.deepcopy(ITEMS)

    async def one(item: dict[str, Any]) -> Any:
        try:
            return await pipeline.process_item(item)
        except DropItem as exc:
            return ["dropped", str(exc), item]

    async def in_order(batch: list[dict[str, Any]]) -> list[Any]:
        return [await one(item) for item in batch]

    async def together(batch: list[dict[str, Any]]) -> list[Any]:
        return list(await asyncio.gather(*(one(item) for item in batch)))

    try:
        if name == "same":
            # In the crawl process a long ad finishes after later ones (it is worked
            # through in a thread), and links depend on the order: one at a time there.
            run = together if worker else in_order
            out["results"] = asyncio.run(run(items))
        elif name == "killed_midway":
            assert pipeline.worker_pid is not None

            async def midway() -> list[Any]:
                first = await one(items[0])
                os.kill(pipeline.worker_pid or 0, signal.SIGKILL)
                return [first, *await in_order(items[1:])]

            out["results"] = asyncio.run(midway())
        elif name == "killed_before":
            os.kill(pipeline.worker_pid or 0, signal.SIGKILL)
            out["results"] = asyncio.run(in_order(items))
        elif name == "ctrl_c":
            process = pipeline._process
            assert process is not None and process.pid is not None
            os.kill(process.pid, signal.SIGINT)
            time.sleep(0.3)
            out["alive_after_ctrl_c"] = process.is_alive()
            out["results"] = asyncio.run(in_order(items[:1]))
            pipeline.close_spider(None)
            out["exitcode"] = process.exitcode
        elif name == "stage_error":
            try:
                asyncio.run(pipeline.process_item(ad(9, HIT, title=["not", "a", "string"])))
            except RuntimeError as exc:
                out["error"] = str(exc)
    finally:
        pipeline.close_spider(None)
        logging.getLogger().removeHandler(records)
    out["stats"] = {
        k: v
        for k, v in crawler.stats.get_stats().items()
        if isinstance(k, str) and k.startswith("lcom/")
    }
    out["updates"] = updates
    out["logs"] = records.messages
    return out


def spawned(name: str, worker: bool, link_db: str) -> dict[str, Any]:
    """:func:`scenario` in a fresh interpreter."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(scenario, name, worker, link_db).result(timeout=180)
