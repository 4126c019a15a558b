"""Import lcom's saved objects into Kibana, export them back, normalise an export.

``_import`` is ``POST [/s/<space>]/api/saved_objects/_import[?overwrite=true]`` with a
``multipart/form-data`` body whose part ``file`` holds the NDJSON. Kibana answers
``{"success", "successCount", "successResults", "errors"}``; each error names one object
(``type``, ``id``, ``meta.title``) and ``error.type`` (``conflict``,
``missing_references``, ``unsupported_type``, ``ambiguous_conflict``, ``unknown``).
``_export`` is ``POST [/s/<space>]/api/saved_objects/_export`` with a JSON body
(``objects`` or ``type``) and answers NDJSON ending in an export summary line.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import urllib3

from pipelines.kibana.client import KibanaApiError, KibanaClient, error_message

IMPORT_PATH = "/api/saved_objects/_import"
EXPORT_PATH = "/api/saved_objects/_export"
IMPORT_FILENAME = "lcom-saved-objects.ndjson"

#: Fields Kibana adds on export that change with every save or differ per cluster.
VOLATILE_KEYS = (
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "version",
    "namespaces",
    "originId",
    "sort",
)
#: Attributes holding stringified JSON; normalised by re-serialising them canonically.
JSON_STRING_ATTRIBUTES = (
    "fieldAttrs",
    "fieldFormatMap",
    "fields",
    "runtimeFieldMap",
    "sourceFilters",
    "typeMeta",
    "optionsJSON",
    "panelsJSON",
    "uiStateJSON",
    "visState",
)
TYPE_ORDER = ("index-pattern", "search", "visualization", "lens", "dashboard")

_HINTS = {
    "conflict": "exists already; run again with --overwrite to replace it",
    "ambiguous_conflict": "matches several existing objects; remove the copies in Kibana",
    "unsupported_type": "this Kibana does not know the object type",
}


@dataclass(frozen=True)
class ObjectError:
    type: str
    id: str
    title: str
    error: str
    detail: str

    def line(self) -> str:
        name = f"{self.type} {self.id}" + (f" ({self.title})" if self.title else "")
        return f"error: {name}: {self.error}" + (f": {self.detail}" if self.detail else "")


@dataclass
class ImportResult:
    version: str
    space: str
    sent: int
    success: bool = False
    success_count: int = 0
    imported: list[tuple[str, str, bool]] = field(default_factory=list)  # type, id, overwritten
    errors: list[ObjectError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.success and not self.errors

    def lines(self) -> list[str]:
        out = [f"Kibana {self.version}, space {self.space}"]
        out += [
            f"{kind:<14} {id_:<40} {'overwritten' if over else 'imported'}"
            for kind, id_, over in self.imported
        ]
        out += [e.line() for e in self.errors]
        out.append(
            f"{self.success_count} of {self.sent} object(s) imported"
            + (f", {len(self.errors)} failed" if self.errors else "")
        )
        return out


def _object_error(raw: Mapping[str, Any]) -> ObjectError:
    error: Mapping[str, Any] = raw["error"] if isinstance(raw.get("error"), dict) else {}
    kind = str(error.get("type") or "unknown")
    if kind == "missing_references":
        refs = ", ".join(
            f"{r.get('type')} {r.get('id')}"
            for r in error.get("references", [])
            if isinstance(r, dict)
        )
        detail = f"refers to objects that are neither in the file nor in Kibana: {refs}"
    else:
        detail = _HINTS.get(kind) or str(error.get("message") or "")
    meta: Mapping[str, Any] = raw["meta"] if isinstance(raw.get("meta"), dict) else {}
    title = str(raw.get("title") or meta.get("title") or "")
    return ObjectError(str(raw.get("type")), str(raw.get("id")), title, kind, detail)


def count_objects(payload: bytes) -> int:
    return sum(
        1 for line in payload.splitlines() if line.strip() and b'"exportedCount"' not in line
    )


def import_objects(
    client: KibanaClient,
    payload: bytes,
    *,
    space: str = "default",
    overwrite: bool = False,
) -> ImportResult:
    """Check version and space, send ``payload`` to ``_import``, collect per-object results."""
    version = client.version()
    client.check_space(space)
    body, content_type = urllib3.encode_multipart_formdata(
        {"file": (IMPORT_FILENAME, payload, "application/ndjson")}
    )
    response = client.request(
        "POST",
        IMPORT_PATH,
        space=space,
        params={"overwrite": "true"} if overwrite else None,
        body=body,
        content_type=content_type,
    )
    data = response.json()
    if response.status != 200 or not isinstance(data, dict):
        raise KibanaApiError(
            f"Kibana refused the import ({response.status}): {error_message(response)}",
            response.status,
            data,
        )
    result = ImportResult(
        version=version,
        space=space,
        sent=count_objects(payload),
        success=bool(data.get("success")),
        success_count=int(data.get("successCount") or 0),
    )
    for item in data.get("successResults") or []:
        if isinstance(item, dict):
            result.imported.append(
                (str(item.get("type")), str(item.get("id")), bool(item.get("overwrite")))
            )
    for item in data.get("errors") or []:
        if isinstance(item, dict):
            result.errors.append(_object_error(item))
    return result


def export_objects(
    client: KibanaClient,
    objects: Sequence[tuple[str, str]],
    *,
    space: str = "default",
    references_deep: bool = True,
) -> bytes:
    """The NDJSON Kibana exports for ``objects`` (``(type, id)``)."""
    client.version()
    client.check_space(space)
    body = json.dumps(
        {
            "excludeExportDetails": False,
            "includeReferencesDeep": references_deep,
            "objects": [{"id": i, "type": t} for t, i in objects],
        }
    ).encode()
    response = client.request(
        "POST", EXPORT_PATH, space=space, body=body, content_type="application/json"
    )
    if response.status != 200:
        data = response.json()
        missing = []
        if isinstance(data, dict):
            for item in (data.get("attributes") or {}).get("objects") or []:
                if isinstance(item, dict):
                    missing.append(f"{item.get('type')} {item.get('id')}")
        detail = f"; not found: {', '.join(missing)}" if missing else ""
        raise KibanaApiError(
            f"Kibana refused the export ({response.status}): {error_message(response)}{detail}"
            + ("; run `lcom kibana import` first" if missing else ""),
            response.status,
            data,
        )
    return response.body


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def normalise_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``obj`` without volatile fields, keys sorted, stringified JSON re-serialised."""
    out = {k: v for k, v in obj.items() if k not in VOLATILE_KEYS}
    attrs = dict(out.get("attributes") or {})
    for key in JSON_STRING_ATTRIBUTES:
        if isinstance(attrs.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                attrs[key] = _compact(json.loads(attrs[key]))
    meta = attrs.get("kibanaSavedObjectMeta")
    if isinstance(meta, dict) and isinstance(meta.get("searchSourceJSON"), str):
        with contextlib.suppress(json.JSONDecodeError):
            meta = {**meta, "searchSourceJSON": _compact(json.loads(meta["searchSourceJSON"]))}
        attrs["kibanaSavedObjectMeta"] = meta
    out["attributes"] = attrs
    out["references"] = sorted(
        (dict(r) for r in out.get("references") or []),
        key=lambda r: (str(r.get("name")), str(r.get("type")), str(r.get("id"))),
    )
    return _canonical(out)  # type: ignore[no-any-return]


def normalise(ndjson: bytes | str, order: Iterable[tuple[str, str]] = ()) -> str:
    """A stable, diff-friendly form of an export: one object per line, sorted keys,
    volatile fields dropped, in ``order`` (``(type, id)``; others after, by type and id),
    without the summary line."""
    text = ndjson.decode("utf-8") if isinstance(ndjson, bytes) else ndjson
    objects = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KibanaApiError(
                f"the export is not NDJSON (line {number}: {exc.msg})", 200
            ) from None
        if isinstance(obj, dict) and "exportedCount" not in obj:
            objects.append(normalise_object(obj))
    rank = {key: n for n, key in enumerate(order)}

    def key(obj: Mapping[str, Any]) -> tuple[int, int, str]:
        kind = str(obj.get("type"))
        type_rank = TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER)
        return (rank.get((kind, str(obj.get("id"))), len(rank)), type_rank, str(obj.get("id")))

    return "".join(_compact(o) + "\n" for o in sorted(objects, key=key))
