"""The shipped Kibana saved objects: generated, consistent with the mappings, safe formats."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dashboards import GUARDRAIL_RULES, KIBANA_DIR
from dashboards.build import DEFAULT_RETENTION, check_kibana, render, write_kibana
from dashboards.kibana import check_files, check_objects, mappings_by_index, parse_ndjson
from dashboards.kibana import render as render_kibana
from dashboards.kibana.check import kql_fields, unsafe_formats
from dashboards.kibana.objects import all_objects


@pytest.fixture(scope="module")
def shipped() -> list[dict[str, Any]]:
    objects, problems = check_files(KIBANA_DIR, mappings_by_index(render()))
    assert problems == []
    return objects


def mappings() -> dict[str, Any]:
    return copy.deepcopy(mappings_by_index(render()))


def test_static_check_passes_on_the_shipped_objects(shipped: list[dict[str, Any]]) -> None:
    kinds = {o["type"] for o in shipped}
    assert kinds == {"index-pattern", "search", "lens", "dashboard"}
    titles = {o["attributes"]["title"] for o in shipped if o["type"] == "dashboard"}
    assert titles == {
        "lcom: Signals overview",
        "lcom: Carousels",
        "lcom: Review queue",
        "lcom: Crawl health and oversight",
        "lcom: Retention",
    }


def test_renaming_a_mapped_field_fails_the_check_naming_object_and_field(
    shipped: list[dict[str, Any]],
) -> None:
    renamed = mappings()
    props = renamed["lcom-hits"]["properties"]
    props["town"] = props.pop("city")
    problems = check_objects(shipped, renamed)
    assert (
        "lens 'lcom-lens-hits-by-city' (Hits by city): field 'city' (terms) is not in the "
        "mapping of lcom-hits" in problems
    )
    assert (
        "search 'lcom-search-triage' (lcom: hits to triage): field 'city' (column) is not in "
        "the mapping of lcom-hits" in problems
    )


def test_build_check_fails_when_the_mapping_loses_a_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dashboards.build as build

    write_kibana(tmp_path)
    assert check_kibana(tmp_path) == []
    original = build.hit_mappings

    def without_score() -> dict[str, Any]:
        body = original()
        body["properties"].pop("score")
        return body

    monkeypatch.setattr(build, "hit_mappings", without_score)
    problems = check_kibana(tmp_path)
    assert any("field 'score' (column) is not in the mapping of lcom-hits" in p for p in problems)


def test_terms_on_a_text_field_fails(shipped: list[dict[str, Any]]) -> None:
    changed = mappings()
    changed["lcom-hits"]["properties"]["categories"] = {"type": "text"}
    problems = check_objects(shipped, changed)
    assert any(
        p.startswith("lens 'lcom-lens-hits-by-category'")
        and "field 'categories' (terms) is text in lcom-hits" in p
        for p in problems
    )


def test_a_lens_aggregation_on_a_nested_field_fails(shipped: list[dict[str, Any]]) -> None:
    lens = copy.deepcopy(next(o for o in shipped if o["id"] == "lcom-lens-hits-by-category"))
    layer = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["layer1"]
    layer["columns"]["c"]["sourceField"] = "indicators.category"
    others = [o for o in shipped if o["id"] != lens["id"]]
    problems = check_objects([*others, lens], mappings())
    assert any("'indicators.category' (terms) is inside a nested object" in p for p in problems)


def test_an_unresolved_reference_fails(shipped: list[dict[str, Any]]) -> None:
    without_searches = [o for o in shipped if o["type"] != "search"]
    problems = check_objects(without_searches, mappings())
    assert any(
        p.startswith("dashboard 'lcom-dashboard-signals'")
        and "to search 'lcom-search-triage' does not resolve" in p
        for p in problems
    )


def test_a_field_in_a_kql_query_is_checked(shipped: list[dict[str, Any]]) -> None:
    renamed = mappings()
    renamed["lcom-audit"]["properties"]["record_kind"] = renamed["lcom-audit"]["properties"].pop(
        "kind"
    )
    problems = check_objects(shipped, renamed)
    assert any(
        p.startswith("lens 'lcom-lens-runs'") and "field 'kind' (query)" in p for p in problems
    )


def test_kql_fields_are_found_outside_quoted_values() -> None:
    assert kql_fields('review.state : "new" or not review.state : *') == [
        "review.state",
        "review.state",
    ]
    assert kql_fields('kind : "a: b" and last_seen < "now-60d"') == ["kind", "last_seen"]


def test_broken_ndjson_is_reported_with_file_and_line() -> None:
    objects, problems = parse_ndjson('{"type":"lens"}\nnot json\n', "x.ndjson")
    assert objects == []
    assert problems[0] == "x.ndjson:1: saved object without id, attributes"
    assert problems[1].startswith("x.ndjson:2: not JSON")


def field_formats(obj: dict[str, Any]) -> dict[str, Any]:
    formats: dict[str, Any] = json.loads(obj["attributes"]["fieldFormatMap"])
    return formats


def test_every_shipped_field_format_is_safe_for_hostile_text(
    shipped: list[dict[str, Any]],
) -> None:
    seen = 0
    for obj in shipped:
        assert unsafe_formats(obj) == []
        if obj["type"] != "index-pattern":
            continue
        for name, fmt in field_formats(obj).items():
            seen += 1
            assert fmt["id"] in {"string", "url", "number"}, name
            assert fmt["id"] != "html"
            if fmt["id"] == "url":
                assert fmt["params"] == {"type": "a"}, name
            if fmt["id"] == "string":
                assert fmt.get("params", {}).get("transform", False) is False
    assert seen >= 8
    panels = [
        panel
        for obj in shipped
        if obj["type"] == "dashboard"
        for panel in json.loads(obj["attributes"]["panelsJSON"])
    ]
    assert {p["type"] for p in panels} <= {"lens", "search"}  # no markdown panels
    text = KIBANA_DIR.joinpath("data-views.ndjson").read_text(encoding="utf-8")
    assert "markdown" not in text and '\\"html\\"' not in text


@pytest.mark.parametrize(
    ("fmt", "reason"),
    [
        ({"id": "html"}, "format 'html' is not allowed"),
        ({"id": "markdown"}, "format 'markdown' is not allowed"),
        ({"id": "url", "params": {"type": "img"}}, "url format must be a plain link"),
        (
            {"id": "url", "params": {"type": "a", "labelTemplate": "<b>{{value}}</b>"}},
            "url format must be a plain link",
        ),
    ],
)
def test_an_unsafe_field_format_is_caught(
    shipped: list[dict[str, Any]], fmt: dict[str, Any], reason: str
) -> None:
    view = copy.deepcopy(next(o for o in shipped if o["id"] == "lcom-hits"))
    formats = field_formats(view)
    formats["text"] = fmt
    view["attributes"]["fieldFormatMap"] = json.dumps(formats)
    (problem,) = unsafe_formats(view)
    assert "field 'text'" in problem and reason in problem


def test_url_fields_are_clickable_links(shipped: list[dict[str, Any]]) -> None:
    hits = next(o for o in shipped if o["id"] == "lcom-hits")
    formats = field_formats(hits)
    assert formats["url"] == {"id": "url", "params": {"type": "a"}}
    assert formats["indicators.evidence.snippet"]["id"] == "string"
    assert formats["score"]["id"] == "number"


def test_every_object_keeps_its_migration_versions(shipped: list[dict[str, Any]]) -> None:
    for obj in shipped:
        assert obj["coreMigrationVersion"] == "8.8.0"
        assert obj["typeMigrationVersion"]


def test_triage_search_has_the_investigators_columns(shipped: list[dict[str, Any]]) -> None:
    search = next(o for o in shipped if o["id"] == "lcom-search-triage")
    assert search["attributes"]["columns"] == [
        "source",
        "city",
        "lang",
        "score",
        "categories",
        "indicators.evidence.snippet",
        "review.state",
        "url",
    ]


def test_the_blocks_chart_covers_every_guardrail_rule() -> None:
    from crawler.middlewares.guardrails import RULES

    assert GUARDRAIL_RULES == RULES


def test_a_data_view_appears_for_an_index_with_a_mapping() -> None:
    definitions = copy.deepcopy(render())
    objects = all_objects(render_kibana(definitions, DEFAULT_RETENTION))
    views = [o["id"] for o in objects if o["type"] == "index-pattern"]
    assert views == ["lcom-hits", "lcom-audit", "lcom-reviews", "lcom-links"]
    assert check_objects(objects, mappings_by_index(definitions)) == []


def test_without_a_link_store_mapping_no_link_objects_are_shipped() -> None:
    definitions = copy.deepcopy(render())
    del definitions["component_templates"]["lcom-links-mappings"]
    objects = all_objects(render_kibana(definitions, DEFAULT_RETENTION))
    assert "lcom-links" not in [o["id"] for o in objects if o["type"] == "index-pattern"]
    assert "lcom-search-link-keys" not in [o["id"] for o in objects]
    assert check_objects(objects, mappings_by_index(definitions)) == []


def test_retention_dashboard_follows_the_data_policy() -> None:
    from dashboards.build import Retention

    retention = Retention(hits_by_state={"new": 30, "relevant": 200})
    objects = all_objects(render_kibana(render(retention), retention))
    lens = next(o for o in objects if o["id"] == "lcom-lens-retention-overdue")
    query = lens["attributes"]["state"]["query"]["query"]
    assert 'review.state : "new" and last_seen < "now-30d"' in query
    assert 'review.state : "relevant" and last_seen < "now-200d"' in query


def test_top_values_ordered_by_a_missing_metric_fail(shipped: list[dict[str, Any]]) -> None:
    lens = copy.deepcopy(next(o for o in shipped if o["id"] == "lcom-lens-hits-by-city"))
    layer = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["layer1"]
    layer["columns"]["c"]["params"]["orderBy"] = {"type": "column", "columnId": "c"}
    others = [o for o in shipped if o["id"] != lens["id"]]
    problems = check_objects([*others, lens], mappings())
    assert any("'c' is ordered by 'c', which is not a metric column" in p for p in problems)


def test_carousels_use_the_links_fields_when_the_hit_mapping_has_them() -> None:
    definitions = copy.deepcopy(render())
    hits = definitions["component_templates"]["lcom-hits-mappings"]["template"]["mappings"]
    hits["properties"]["links"] = {
        "properties": {
            "contact_cluster": {"type": "keyword"},
            "template_cluster": {"type": "keyword"},
            "n_cities": {"type": "integer"},
        }
    }
    objects = all_objects(render_kibana(definitions, DEFAULT_RETENTION))
    assert check_objects(objects, mappings_by_index(definitions)) == []
    carousels = next(o for o in objects if o["id"] == "lcom-dashboard-carousels")
    panels = {r["id"] for r in carousels["references"]}
    assert {"lcom-lens-links-contact-cluster", "lcom-lens-links-template-cluster"} <= panels
