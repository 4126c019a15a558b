"""Builders for the Kibana 8.x saved-object shapes lcom ships (no Kibana import needed).

The shapes follow what Kibana 8.14+ writes to an export (``_export``): data views
(``index-pattern``), saved searches (``search``), Lens visualisations (``lens``, form-based
datasource) and dashboards whose panels refer to them by id (``panelRefName``, references
named ``<panelIndex>:panel_<panelIndex>``). ``coreMigrationVersion`` and
``typeMigrationVersion`` are kept on every object so that Kibana 8.x and 9.x migrate the
objects on import. Everything here is plain data; ids are fixed strings, so a re-generation
gives byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

#: Versions written on the objects (as a Kibana 8.14 export writes them). Older values
#: are safe: Kibana runs the migrations from there on import.
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSIONS: dict[str, str] = {
    "index-pattern": "7.11.0",
    "search": "7.9.3",
    "lens": "8.9.0",
    "dashboard": "10.2.0",
}

#: The ``sourceField`` Lens uses for "count of records".
RECORDS = "___records___"


def _compact(value: Any) -> str:
    """Stringified JSON, as Kibana stores ``panelsJSON``, ``fieldFormatMap`` and the like."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def saved_object(
    type_: str, id_: str, attributes: Json, references: Sequence[Mapping[str, str]] = ()
) -> Json:
    return {
        "attributes": attributes,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "id": id_,
        "managed": False,
        "references": [dict(r) for r in references],
        "type": type_,
        "typeMigrationVersion": TYPE_MIGRATION_VERSIONS[type_],
    }


def kql(query: str = "") -> Json:
    return {"language": "kuery", "query": query}


# ------------------------------------------------------------------------- data views


def url_format() -> Json:
    """Clickable link (``type: a``) with the URL itself as the label: no template, no image."""
    return {"id": "url", "params": {"type": "a"}}


def string_format() -> Json:
    """Plain text, escaped by Kibana, no transform (Kibana's defaults); never HTML or markdown."""
    return {"id": "string"}


def number_format(pattern: str = "0,0.[00]") -> Json:
    return {"id": "number", "params": {"pattern": pattern}}


@dataclass(frozen=True)
class DataViewSpec:
    """One data view: the alias it reads, its time field, formats and labels per field."""

    id: str
    index: str
    name: str
    time_field: str
    formats: Mapping[str, Json] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


def data_view(spec: DataViewSpec) -> Json:
    field_attrs = {name: {"customLabel": label} for name, label in sorted(spec.labels.items())}
    return saved_object(
        "index-pattern",
        spec.id,
        {
            "allowNoIndex": True,
            "fieldAttrs": _compact(field_attrs),
            "fieldFormatMap": _compact(dict(spec.formats)),
            "fields": "[]",
            "name": spec.name,
            "runtimeFieldMap": "{}",
            "sourceFilters": "[]",
            "timeFieldName": spec.time_field,
            "title": spec.index,
            "typeMeta": "{}",
        },
    )


# --------------------------------------------------------------------- saved searches

SEARCH_INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


def saved_search(
    id_: str,
    title: str,
    data_view_id: str,
    columns: Sequence[str],
    sort: Sequence[tuple[str, str]],
    *,
    query: str = "",
    description: str = "",
) -> Json:
    source = {
        "filter": [],
        "highlightAll": True,
        "indexRefName": SEARCH_INDEX_REF,
        "query": kql(query),
        "version": True,
    }
    return saved_object(
        "search",
        id_,
        {
            "columns": list(columns),
            "description": description,
            "grid": {},
            "hideChart": False,
            "isTextBasedQuery": False,
            "kibanaSavedObjectMeta": {"searchSourceJSON": _compact(source)},
            "sort": [[f, order] for f, order in sort],
            "title": title,
        },
        [{"id": data_view_id, "name": SEARCH_INDEX_REF, "type": "index-pattern"}],
    )


# ------------------------------------------------------------------------------- Lens


def date_histogram(field_name: str, label: str | None = None, interval: str = "auto") -> Json:
    return {
        "customLabel": label is not None,
        "dataType": "date",
        "isBucketed": True,
        "label": label or field_name,
        "operationType": "date_histogram",
        "params": {"dropPartials": False, "includeEmptyRows": True, "interval": interval},
        "scale": "interval",
        "sourceField": field_name,
    }


def terms(
    field_name: str,
    label: str,
    order_by: str | None,
    *,
    size: int = 10,
    other: bool = True,
    data_type: str = "string",
) -> Json:
    return {
        "customLabel": True,
        "dataType": data_type,
        "isBucketed": True,
        "label": label,
        "operationType": "terms",
        "params": {
            "missingBucket": False,
            # By a metric column of the layer, or (None) by the values themselves.
            "orderBy": (
                {"columnId": order_by, "type": "column"}
                if order_by
                else {"fallback": False, "type": "alphabetical"}
            ),
            "orderDirection": "desc",
            "otherBucket": other,
            "parentFormat": {"id": "terms"},
            "size": size,
        },
        "scale": "ordinal",
        "sourceField": field_name,
    }


def filters(label: str, queries: Sequence[tuple[str, str]]) -> Json:
    """A bucket per KQL query (``(label, query)``)."""
    return {
        "customLabel": True,
        "dataType": "string",
        "isBucketed": True,
        "label": label,
        "operationType": "filters",
        "params": {"filters": [{"input": kql(q), "label": lab} for lab, q in queries]},
        "scale": "ordinal",
    }


def count(label: str, query: str | None = None) -> Json:
    column: Json = {
        "customLabel": True,
        "dataType": "number",
        "isBucketed": False,
        "label": label,
        "operationType": "count",
        "params": {"emptyAsNull": False},
        "scale": "ratio",
        "sourceField": RECORDS,
    }
    if query:
        column["filter"] = kql(query)
    return column


def metric(operation: str, field_name: str, label: str, *, data_type: str = "number") -> Json:
    """``sum``, ``max``, ``min``, ``average`` or ``unique_count`` of a field."""
    column: Json = {
        "customLabel": True,
        "dataType": data_type,
        "isBucketed": False,
        "label": label,
        "operationType": operation,
        "params": {"emptyAsNull": True},
        "scale": "ratio",
        "sourceField": field_name,
    }
    return column


@dataclass(frozen=True)
class Lens:
    """One Lens visualisation with a single form-based layer.

    ``columns`` is ordered: buckets first, then metrics (Lens' ``columnOrder``).
    ``chart`` is ``bar_stacked``, ``line``, ``bar_horizontal``, ``area`` (XY),
    ``table`` or ``metric``. For XY charts, ``x`` names the x-axis column and ``split``
    the column that splits series; every metric column becomes a series.
    """

    id: str
    title: str
    data_view_id: str
    columns: Mapping[str, Json]
    chart: str
    x: str | None = None
    split: str | None = None
    query: str = ""
    description: str = ""

    LAYER = "layer1"

    def metrics(self) -> list[str]:
        return [c for c, col in self.columns.items() if not col["isBucketed"]]

    def visualization(self) -> tuple[str, Json]:
        layer = self.LAYER
        if self.chart == "metric":
            (accessor,) = self.metrics()
            return "lnsMetric", {
                "layerId": layer,
                "layerType": "data",
                "metricAccessor": accessor,
            }
        if self.chart == "table":
            return "lnsDatatable", {
                "columns": [{"columnId": c, "isTransposed": False} for c in self.columns],
                "layerId": layer,
                "layerType": "data",
            }
        xy_layer: Json = {
            "accessors": self.metrics(),
            "layerId": layer,
            "layerType": "data",
            "seriesType": self.chart,
            "xAccessor": self.x,
        }
        if self.split:
            xy_layer["splitAccessor"] = self.split
        return "lnsXY", {
            "layers": [xy_layer],
            "legend": {"isVisible": True, "position": "right"},
            "preferredSeriesType": self.chart,
            "valueLabels": "hide",
        }

    def saved_object(self) -> Json:
        vis_type, visualization = self.visualization()
        layer = {
            "columnOrder": list(self.columns),
            "columns": {c: dict(col) for c, col in self.columns.items()},
            "incompleteColumns": {},
            "sampling": 1,
        }
        state = {
            "adHocDataViews": {},
            "datasourceStates": {"formBased": {"layers": {self.LAYER: layer}}},
            "filters": [],
            "internalReferences": [],
            "query": kql(self.query),
            "visualization": visualization,
        }
        return saved_object(
            "lens",
            self.id,
            {
                "description": self.description,
                "state": state,
                "title": self.title,
                "visualizationType": vis_type,
            },
            [
                {
                    "id": self.data_view_id,
                    "name": f"indexpattern-datasource-layer-{self.LAYER}",
                    "type": "index-pattern",
                }
            ],
        )


# -------------------------------------------------------------------------- dashboards


@dataclass(frozen=True)
class Panel:
    """A panel showing a saved object (``lens`` or ``search``) at a grid position."""

    type: str
    id: str
    x: int
    y: int
    w: int
    h: int


def dashboard(
    id_: str,
    title: str,
    description: str,
    panels: Sequence[Panel],
    *,
    time_from: str = "now-30d",
    query: str = "",
) -> Json:
    panel_json = []
    references = []
    for number, panel in enumerate(panels, start=1):
        index = f"p{number}"
        panel_json.append(
            {
                "embeddableConfig": {"enhancements": {}},
                "gridData": {"h": panel.h, "i": index, "w": panel.w, "x": panel.x, "y": panel.y},
                "panelIndex": index,
                "panelRefName": f"panel_{index}",
                "type": panel.type,
            }
        )
        references.append({"id": panel.id, "name": f"{index}:panel_{index}", "type": panel.type})
    options = {
        "hidePanelTitles": False,
        "syncColors": False,
        "syncCursor": True,
        "syncTooltips": False,
        "useMargins": True,
    }
    source = {"filter": [], "query": kql(query)}
    return saved_object(
        "dashboard",
        id_,
        {
            "description": description,
            "kibanaSavedObjectMeta": {"searchSourceJSON": _compact(source)},
            "optionsJSON": _compact(options),
            "panelsJSON": _compact(panel_json),
            "refreshInterval": {"pause": True, "value": 60000},
            "timeFrom": time_from,
            "timeRestore": True,
            "timeTo": "now",
            "title": title,
        },
        references,
    )
