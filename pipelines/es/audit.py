"""Audit records in Elasticsearch (``lcom-audit`` alias) and in the local JSON Lines log.

Audit records describe what lcom did (crawl runs, erasures) with counts and ids, never
ad text or contact details. They are appended with ``op_type=create`` and
``require_alias``: the ``lcom_crawler`` role may only create audit documents, never
change or delete one.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch

from pipelines.home import var_dir

AUDIT_ALIAS = "lcom-audit"
DEFAULT_AUDIT_LOG = var_dir() / "audit.jsonl"


def _stamped(record: dict[str, Any]) -> dict[str, Any]:
    if "@timestamp" in record:
        return dict(record)
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"@timestamp": now, **record}


async def index_audit_record(
    client: AsyncElasticsearch, record: dict[str, Any], *, alias: str = AUDIT_ALIAS
) -> str:
    """Append ``record`` to the audit index; returns the new document's id."""
    resp = await client.index(
        index=alias, document=_stamped(record), op_type="create", require_alias=True
    )
    return str(resp["_id"])


def index_audit_record_sync(
    client: Elasticsearch, record: dict[str, Any], *, alias: str = AUDIT_ALIAS
) -> str:
    """Synchronous :func:`index_audit_record` (CLI commands)."""
    resp = client.index(
        index=alias, document=_stamped(record), op_type="create", require_alias=True
    )
    return str(resp["_id"])


def append_audit_log(record: dict[str, Any], path: Path | str = DEFAULT_AUDIT_LOG) -> None:
    """Append ``record`` as one JSON line to the local audit log (``LCOM_AUDIT_LOG``), fsync-ed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(_stamped(record), ensure_ascii=False, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
