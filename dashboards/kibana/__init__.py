"""Kibana saved objects: generated NDJSON files, their static check and the import payload.

``dashboards/kibana/*.ndjson`` are written by ``python -m dashboards.build`` from the
definitions in :mod:`dashboards.kibana.objects`; never edit them by hand. Each file is a
Kibana 8.x export (one saved object per line, then the export summary line); the files
import together (``lcom kibana import``), data views first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboards import KIBANA_DIR
from dashboards.kibana.check import check_objects, parse_ndjson
from dashboards.kibana.objects import Bundle, mappings_by_index, render

if TYPE_CHECKING:
    from dashboards.build import Retention

__all__ = [
    "Bundle",
    "check_files",
    "check_objects",
    "expected_files",
    "export_summary",
    "mappings_by_index",
    "ndjson",
    "parse_ndjson",
    "render",
]

#: Import order of the bundles; a file not listed here sorts after them.
BUNDLE_ORDER = (
    "data-views",
    "searches",
    "signals-overview",
    "carousels",
    "review-queue",
    "crawl-health",
    "retention",
)


def dump_object(obj: Mapping[str, Any]) -> str:
    """One NDJSON line: sorted keys, no spaces (stable, diff-friendly)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def export_summary(objects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The details line Kibana appends to an export; references outside ``objects`` are
    listed as missing (each shipped file refers to the data views file)."""
    present = {(o["type"], o["id"]) for o in objects}
    missing: dict[tuple[str, str], None] = {}
    for obj in objects:
        for ref in obj.get("references", []):
            key = (ref["type"], ref["id"])
            if key not in present:
                missing.setdefault(key, None)
    return {
        "excludedObjects": [],
        "excludedObjectsCount": 0,
        "exportedCount": len(objects),
        "missingRefCount": len(missing),
        "missingReferences": [{"id": i, "type": t} for t, i in sorted(missing)],
    }


def ndjson(objects: Sequence[Mapping[str, Any]]) -> str:
    lines = [dump_object(o) for o in objects]
    lines.append(dump_object(export_summary(objects)))
    return "\n".join(lines) + "\n"


def expected_files(
    es_definitions: Mapping[str, Mapping[str, Any]], retention: Retention
) -> dict[Path, str]:
    return {
        KIBANA_DIR / f"{bundle.name}.ndjson": ndjson(bundle.objects)
        for bundle in render(es_definitions, retention)
    }


def check_files(
    directory: Path, mappings: Mapping[str, Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Objects of every ``*.ndjson`` in ``directory`` and the static check's problems."""
    objects: list[dict[str, Any]] = []
    problems: list[str] = []
    for path in sorted_files(directory):
        found, parse_problems = parse_ndjson(path.read_text(encoding="utf-8"), path.name)
        objects.extend(found)
        problems.extend(parse_problems)
    problems.extend(check_objects(objects, mappings))
    return objects, problems


def sorted_files(directory: Path) -> list[Path]:
    def key(path: Path) -> tuple[int, str]:
        stem = path.stem
        return (BUNDLE_ORDER.index(stem) if stem in BUNDLE_ORDER else len(BUNDLE_ORDER), stem)

    return sorted(directory.glob("*.ndjson"), key=key)
