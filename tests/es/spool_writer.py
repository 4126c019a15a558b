"""Subprocess for the SIGKILL test: spools and indexes synthetic hits, batch by batch.

Usage: python -m tests.es.spool_writer URL SPOOL_DIR COUNT BATCH
Prints "batch <n> acknowledged" after each batch, so the test knows when to kill.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pipelines.es.client import EsConnectionConfig, make_async_client
from pipelines.es.indexer import HitIndexer, IndexerConfig
from pipelines.es.spool import Spool
from tests.es.hits import make_hit


async def main(url: str, spool_dir: Path, count: int, batch: int) -> None:
    client = make_async_client(EsConnectionConfig(url=url, max_retries=0))
    spool = Spool(spool_dir)
    indexer = HitIndexer(client, spool, IndexerConfig(chunk_size=batch))
    try:
        for start in range(0, count, batch):
            records = [spool.append(make_hit("k:", n)) for n in range(start, start + batch)]
            await indexer.index(records)
            print(f"batch {start // batch} acknowledged", flush=True)
    finally:
        spool.close()
        await client.close()


if __name__ == "__main__":
    url, spool_dir, count, batch = sys.argv[1:5]
    asyncio.run(main(url, Path(spool_dir), int(count), int(batch)))
