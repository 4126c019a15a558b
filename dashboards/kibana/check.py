"""Static check of Kibana saved objects against the Elasticsearch mappings.

:func:`check_objects` returns every problem (it does not stop at the first), each naming
the object (type, id and title) and the field:

- the NDJSON parses, each line is a saved object with ``type``, ``id`` and ``attributes``
  (the export summary line aside);
- every reference resolves to an object in the set, and every ``panelRefName`` of a
  dashboard and every Lens layer has its reference;
- every field a data view (time field, field formats, labels), saved search (columns,
  sort), Lens layer (``sourceField``) or KQL query names exists in the mapping of the
  data view's index, with a type that fits its use: a ``terms`` or ``unique_count`` on
  a ``text`` field fails, so do a ``date_histogram`` on a keyword, a ``sum`` on a
  keyword, a sort on a ``text`` field, and any Lens aggregation on a field inside a
  ``nested`` object (Lens cannot aggregate nested fields);
- every field format is safe for hostile text (:func:`unsafe_formats`): only plain
  text, numbers, dates and ``url`` links labelled with the URL itself; dashboards hold
  only Lens and saved-search panels (no markdown).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

NUMERIC = frozenset(
    {
        "long",
        "integer",
        "short",
        "byte",
        "double",
        "float",
        "half_float",
        "scaled_float",
        "unsigned_long",
    }
)
KEYWORDS = frozenset({"keyword", "constant_keyword", "wildcard"})
TEXT = frozenset({"text", "match_only_text"})
DATES = frozenset({"date", "date_nanos"})
AGGREGATABLE = KEYWORDS | NUMERIC | DATES | {"boolean", "ip"}

#: Field types a Lens operation accepts.
LENS_OPERATIONS: dict[str, frozenset[str]] = {
    "terms": AGGREGATABLE,
    "unique_count": AGGREGATABLE,
    "last_value": AGGREGATABLE,
    "date_histogram": DATES,
    "sum": NUMERIC,
    "average": NUMERIC,
    "median": NUMERIC,
    "standard_deviation": NUMERIC,
    "range": NUMERIC,
    "min": NUMERIC | DATES,
    "max": NUMERIC | DATES,
    "count": AGGREGATABLE | TEXT,
}

#: Field formats allowed, with the field types they fit. ``html`` and markdown-like
#: formats are not here: stored ad text is hostile and must never become markup.
SAFE_FORMATS: dict[str, frozenset[str]] = {
    "string": KEYWORDS | TEXT,
    "url": KEYWORDS | TEXT,
    "number": NUMERIC,
    "percent": NUMERIC,
    "bytes": NUMERIC,
    "duration": NUMERIC,
    "date": DATES,
    "boolean": frozenset({"boolean"}),
}
SAFE_STRING_TRANSFORMS = frozenset({"none", "lower", "upper", "title", "short", False, None})
SAFE_PANEL_TYPES = frozenset({"lens", "search"})

RECORDS = "___records___"

# A field name before a KQL operator: `city : "x"`, `last_seen < "now-60d"`.
_KQL_FIELD = re.compile(r"(?<![\w.@\"])(@?[A-Za-z_][\w.]*)\s*(?::|<=|>=|<|>)")
_KQL_WORDS = frozenset({"and", "or", "not"})


@dataclass(frozen=True)
class FieldInfo:
    type: str
    nested: bool = False


def flatten_mapping(mappings: Mapping[str, Any]) -> dict[str, FieldInfo]:
    """Every field path of a mapping with its type, multi-fields included
    (``text.nl``, ``city.text``); objects are not fields, disabled objects are skipped."""
    found: dict[str, FieldInfo] = {}

    def walk(props: Mapping[str, Any], prefix: str, nested: bool) -> None:
        for name, spec in props.items():
            path = f"{prefix}{name}"
            if not isinstance(spec, Mapping) or spec.get("enabled") is False:
                continue
            kind = spec.get("type", "object" if "properties" in spec else None)
            if kind in ("object", "nested"):
                walk(spec.get("properties", {}), f"{path}.", nested or kind == "nested")
                continue
            if kind is None:
                continue
            found[path] = FieldInfo(str(kind), nested)
            for sub, sub_spec in (spec.get("fields") or {}).items():
                if isinstance(sub_spec, Mapping) and "type" in sub_spec:
                    found[f"{path}.{sub}"] = FieldInfo(str(sub_spec["type"]), nested)

    walk(mappings.get("properties", {}), "", False)
    return found


def kql_fields(query: str) -> list[str]:
    """Field names a KQL query compares (a simple scan, enough for the queries we ship)."""
    without_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)
    return [
        name
        for name in _KQL_FIELD.findall(without_strings)
        if name.lower() not in _KQL_WORDS and name != "*"
    ]


def parse_ndjson(text: str, source: str = "<ndjson>") -> tuple[list[Json], list[str]]:
    """Saved objects of an export file (the summary line dropped) and parse problems."""
    objects: list[Json] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{source}:{number}: not JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{source}:{number}: not a JSON object")
            continue
        if "exportedCount" in obj:
            continue
        missing = [k for k in ("type", "id", "attributes") if k not in obj]
        if missing:
            problems.append(f"{source}:{number}: saved object without {', '.join(missing)}")
            continue
        objects.append(obj)
    return objects, problems


def _describe(types: Iterable[str]) -> str:
    """Field types for a message: groups by name, e.g. "a keyword, number, date, boolean or ip"."""
    wanted = set(types)
    groups = [
        ("keyword", KEYWORDS),
        ("text", TEXT),
        ("number", NUMERIC),
        ("date", DATES),
        ("boolean", frozenset({"boolean"})),
        ("ip", frozenset({"ip"})),
    ]
    names = [name for name, members in groups if wanted & members]
    return "a " + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0])


def _name(obj: Mapping[str, Any]) -> str:
    title = obj.get("attributes", {}).get("title") or obj.get("attributes", {}).get("name")
    return f"{obj.get('type')} {obj.get('id')!r}" + (f" ({title})" if title else "")


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def unsafe_formats(obj: Mapping[str, Any]) -> list[str]:
    """Field formats of a data view, or column formats of a Lens object, that could
    render stored text as markup (``html``, markdown, images, templates)."""
    problems: list[str] = []
    formats: dict[str, Any] = {}
    attrs = obj.get("attributes", {})
    if obj.get("type") == "index-pattern":
        formats = _loads(attrs.get("fieldFormatMap") or "{}") or {}
    elif obj.get("type") == "lens":
        layers = attrs.get("state", {}).get("datasourceStates", {}).get("formBased", {})
        for layer in layers.get("layers", {}).values():
            for column_id, column in layer.get("columns", {}).items():
                fmt = (column.get("params") or {}).get("format")
                if fmt:
                    formats[f"column {column_id}"] = fmt
    for field_name, fmt in formats.items():
        fmt_id = fmt.get("id") if isinstance(fmt, dict) else None
        params = (fmt.get("params") if isinstance(fmt, dict) else None) or {}
        where = f"{_name(obj)}: field {field_name!r}"
        if fmt_id not in SAFE_FORMATS:
            problems.append(f"{where}: format {fmt_id!r} is not allowed (could render markup)")
        elif fmt_id == "url" and (
            params.get("type", "a") != "a"
            or params.get("urlTemplate")
            or params.get("labelTemplate")
        ):
            problems.append(
                f"{where}: url format must be a plain link (type 'a', no templates, no image)"
            )
        elif fmt_id == "string" and params.get("transform", "none") not in SAFE_STRING_TRANSFORMS:
            problems.append(f"{where}: string transform {params.get('transform')!r} not allowed")
    return problems


class _Checker:
    def __init__(self, objects: Sequence[Json], mappings: Mapping[str, Mapping[str, Any]]) -> None:
        self.objects = list(objects)
        self.by_key = {(o["type"], o["id"]): o for o in self.objects}
        self.fields = {index: flatten_mapping(m) for index, m in mappings.items()}
        self.problems: list[str] = []

    def problem(self, obj: Mapping[str, Any], text: str) -> None:
        self.problems.append(f"{_name(obj)}: {text}")

    def data_view_fields(self, data_view_id: str) -> tuple[str, dict[str, FieldInfo]] | None:
        view = self.by_key.get(("index-pattern", data_view_id))
        if view is None:
            return None
        index = view["attributes"].get("title", "")
        return index, self.fields.get(index, {})

    def field(
        self,
        obj: Mapping[str, Any],
        data_view_id: str,
        name: str,
        allowed: Iterable[str] | None,
        use: str,
        *,
        allow_nested: bool = True,
    ) -> None:
        found = self.data_view_fields(data_view_id)
        if found is None:
            return  # reported as an unresolved reference
        index, fields = found
        if index not in self.fields:
            self.problem(
                obj, f"data view {data_view_id!r} reads {index!r}, which lcom has no mapping for"
            )
            return
        info = fields.get(name)
        if info is None:
            self.problem(obj, f"field {name!r} ({use}) is not in the mapping of {index}")
            return
        if allowed is not None and info.type not in set(allowed):
            self.problem(
                obj,
                f"field {name!r} ({use}) is {info.type} in {index}; "
                f"{use} needs {_describe(allowed)}",
            )
        if info.nested and not allow_nested:
            self.problem(
                obj,
                f"field {name!r} ({use}) is inside a nested object in {index}; "
                "Lens cannot aggregate it",
            )

    def references(self, obj: Json) -> dict[str, Json]:
        named = {}
        for ref in obj.get("references", []):
            key = (ref.get("type"), ref.get("id"))
            if key not in self.by_key:
                self.problem(
                    obj, f"reference {ref.get('name')!r} to {key[0]} {key[1]!r} does not resolve"
                )
            named[ref.get("name")] = ref
        return named

    def query(self, obj: Json, data_view_id: str, query: Any, use: str) -> None:
        if isinstance(query, dict) and query.get("language") == "kuery":
            for name in kql_fields(str(query.get("query") or "")):
                self.field(obj, data_view_id, name, None, use)

    def run(self) -> list[str]:
        for obj in self.objects:
            refs = self.references(obj)
            kind = obj["type"]
            if kind == "index-pattern":
                self.data_view(obj)
            elif kind == "search":
                self.search(obj, refs)
            elif kind == "lens":
                self.lens(obj, refs)
            elif kind == "dashboard":
                self.dashboard(obj, refs)
            else:
                self.problem(obj, f"unexpected saved object type {kind!r}")
            for text in unsafe_formats(obj):
                self.problems.append(text)
        return self.problems

    def data_view(self, obj: Json) -> None:
        attrs = obj["attributes"]
        view_id = obj["id"]
        if attrs.get("timeFieldName"):
            self.field(obj, view_id, attrs["timeFieldName"], DATES, "time field")
        formats = _loads(attrs.get("fieldFormatMap") or "{}")
        if not isinstance(formats, dict):
            self.problem(obj, "fieldFormatMap is not a JSON object")
            formats = {}
        for name, fmt in formats.items():
            fmt_id = fmt.get("id") if isinstance(fmt, dict) else None
            self.field(obj, view_id, name, SAFE_FORMATS.get(str(fmt_id)), f"{fmt_id} format")
        for name in _loads(attrs.get("fieldAttrs") or "{}") or {}:
            self.field(obj, view_id, name, None, "label")

    def _index_ref(self, obj: Json, refs: Mapping[str, Json], name: str) -> str | None:
        ref = refs.get(name)
        if ref is None or ref.get("type") != "index-pattern":
            self.problem(obj, f"no data view reference named {name!r}")
            return None
        return str(ref["id"])

    def search(self, obj: Json, refs: Mapping[str, Json]) -> None:
        attrs = obj["attributes"]
        source = _loads(attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")) or {}
        view_id = self._index_ref(obj, refs, str(source.get("indexRefName")))
        if view_id is None:
            return
        for column in attrs.get("columns", []):
            self.field(obj, view_id, column, None, "column")
        for sort in attrs.get("sort", []):
            self.field(obj, view_id, sort[0], AGGREGATABLE, "sort")
        self.query(obj, view_id, source.get("query"), "query")

    def lens(self, obj: Json, refs: Mapping[str, Json]) -> None:
        state = obj["attributes"].get("state", {})
        layers = state.get("datasourceStates", {}).get("formBased", {}).get("layers", {})
        if not layers:
            self.problem(obj, "Lens object without a form-based layer")
        for layer_id, layer in layers.items():
            view_id = self._index_ref(obj, refs, f"indexpattern-datasource-layer-{layer_id}")
            if view_id is None:
                continue
            columns = layer.get("columns", {})
            for column_id in layer.get("columnOrder", []):
                if column_id not in columns:
                    self.problem(obj, f"columnOrder names a missing column {column_id!r}")
            for column_id, column in columns.items():
                operation = column.get("operationType")
                source = column.get("sourceField")
                if operation not in LENS_OPERATIONS and operation != "filters":
                    self.problem(obj, f"column {column_id!r}: unknown operation {operation!r}")
                    continue
                if source and source != RECORDS:
                    self.field(
                        obj,
                        view_id,
                        source,
                        LENS_OPERATIONS.get(str(operation)),
                        str(operation),
                        allow_nested=False,
                    )
                order = (column.get("params") or {}).get("orderBy") or {}
                if order.get("type") == "column":
                    target = columns.get(order.get("columnId"), {})
                    if not target or target.get("isBucketed"):
                        self.problem(
                            obj,
                            f"column {column_id!r} is ordered by {order.get('columnId')!r}, "
                            "which is not a metric column of its layer",
                        )
                self.query(obj, view_id, column.get("filter"), f"{column_id} filter")
                for item in (column.get("params") or {}).get("filters", []):
                    self.query(obj, view_id, item.get("input"), f"{column_id} filter")
            self.query(obj, view_id, state.get("query"), "query")

    def dashboard(self, obj: Json, refs: Mapping[str, Json]) -> None:
        panels = _loads(obj["attributes"].get("panelsJSON"))
        if not isinstance(panels, list):
            self.problem(obj, "panelsJSON is not a JSON list")
            return
        for panel in panels:
            kind = panel.get("type")
            if kind not in SAFE_PANEL_TYPES:
                self.problem(
                    obj, f"panel {panel.get('panelIndex')!r} of type {kind!r} is not allowed"
                )
            name = f"{panel.get('panelIndex')}:{panel.get('panelRefName')}"
            if name not in refs:
                self.problem(obj, f"panel {panel.get('panelIndex')!r} has no reference {name!r}")


def check_objects(objects: Sequence[Json], mappings: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every problem of ``objects`` against ``{index alias: mappings}`` (empty: all fine)."""
    counts = Counter((o["type"], o["id"]) for o in objects)
    duplicates = sorted(k for k, n in counts.items() if n > 1)
    problems = [f"{t} {i!r}: defined more than once" for t, i in duplicates]
    return problems + _Checker(objects, mappings).run()
