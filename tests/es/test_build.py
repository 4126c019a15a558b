"""Generated Elasticsearch definitions: up to date, derived from retention, least privilege."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboards import load_es_definition, packaged_es_definitions
from dashboards.build import LANGUAGE_ANALYZERS, Retention, check, render, write

ROOT = Path(__file__).resolve().parents[2]


def test_build_check_passes_on_the_packaged_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dashboards.build", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_build_check_reports_a_stale_and_an_extra_file(tmp_path: Path) -> None:
    write(tmp_path)
    assert check(tmp_path) == []
    (tmp_path / "ilm" / "lcom-hits.json").write_text("{}\n")
    (tmp_path / "roles" / "hand_made.json").write_text("{}\n")
    assert check(tmp_path) == [
        "stale: ilm/lcom-hits.json",
        "not generated (remove it): roles/hand_made.json",
    ]


@pytest.mark.parametrize(
    ("states", "hits_delete", "audit_days"),
    [({"new": 30}, "30d", 365), ({"new": 90, "relevant": 400, "not_relevant": 7}, "400d", 2000)],
)
def test_ilm_delete_ages_are_computed_from_retention_days(
    states: dict[str, int], hits_delete: str, audit_days: int
) -> None:
    ilm = render(Retention(hits_by_state=states, audit_days=audit_days))["ilm"]
    assert ilm["lcom-hits"]["policy"]["phases"]["delete"]["min_age"] == hits_delete
    assert ilm["lcom-audit"]["policy"]["phases"]["delete"]["min_age"] == f"{audit_days}d"


def test_retention_must_be_positive_days() -> None:
    with pytest.raises(ValueError, match="positive"):
        Retention(hits_by_state={"new": 0})


@pytest.mark.parametrize("field", ["title", "text"])
def test_text_fields_have_a_sub_field_per_language(field: str) -> None:
    mapping = load_es_definition("component_templates", "lcom-hits-mappings")
    text = mapping["template"]["mappings"]["properties"][field]
    assert set(text["fields"]) == {"nl", "en", "de", "ro", "bg", "hu", "pl", "es"}
    assert {k: v["analyzer"] for k, v in text["fields"].items()} == LANGUAGE_ANALYZERS


def test_hit_mapping_types_match_the_data_model() -> None:
    props = load_es_definition("component_templates", "lcom-hits-mappings")["template"]["mappings"][
        "properties"
    ]
    assert props["contact_pseudonyms"]["type"] == "keyword"
    assert props["indicators"]["type"] == "nested"
    assert props["last_seen"]["type"] == "date"
    assert props["seen_count"]["type"] == "integer"
    assert props["review"]["properties"]["state"]["type"] == "keyword"
    assert "name" not in props and "contacts_raw" not in props


def test_hits_live_in_a_versioned_index_behind_a_write_alias() -> None:
    body = load_es_definition("indices", "lcom-hits-000001")
    assert body == {"aliases": {"lcom-hits": {"is_write_index": True}}}
    template = load_es_definition("index_templates", "lcom-hits")
    assert template["index_patterns"] == ["lcom-hits-*"]


def test_roles_grant_least_privilege() -> None:
    roles = packaged_es_definitions()["roles"]
    crawler = {tuple(i["names"]): i["privileges"] for i in roles["lcom_crawler"]["indices"]}
    assert crawler[("lcom-audit", "lcom-audit-*")] == ["create_doc"]
    investigator = {
        tuple(i["names"]): i["privileges"] for i in roles["lcom_investigator"]["indices"]
    }
    assert investigator[("lcom-hits", "lcom-hits-*")] == ["read", "view_index_metadata"]
    legal = roles["lcom_legal"]["indices"]
    assert [i["names"] for i in legal] == [["lcom-audit", "lcom-audit-*"]]


def test_retention_is_read_from_the_demo_data_policy() -> None:
    from pipelines.es.retention import retention_from_policy_dir

    retention = retention_from_policy_dir(ROOT / "legal_guardrails" / "policies" / "demo")
    assert set(retention.hits_by_state) == {"new", "relevant", "not_relevant"}
    assert retention.audit_days > 0


def test_hits_have_searchable_link_fields() -> None:
    props = load_es_definition("component_templates", "lcom-hits-mappings")["template"]["mappings"][
        "properties"
    ]["links"]["properties"]
    assert {name: props[name]["type"] for name in ("contact_cluster", "template_cluster")} == {
        "contact_cluster": "keyword",
        "template_cluster": "keyword",
    }
    assert props["cities"]["type"] == "keyword"
    assert props["n_cities"]["type"] == props["window_days"]["type"] == "integer"
    assert props["indicators"]["properties"]["facts"] == {"type": "object", "enabled": False}


def test_the_link_store_is_one_index_that_is_never_rolled_over_or_deleted_whole() -> None:
    assert load_es_definition("indices", "lcom-links-000001") == {
        "aliases": {"lcom-links": {"is_write_index": True}}
    }
    policy = load_es_definition("ilm", "lcom-links")["policy"]
    assert set(policy["phases"]) == {"hot"}
    assert "rollover" not in policy["phases"]["hot"]["actions"]
    assert policy["_meta"]["retention_days"] == 365


def test_link_store_mapping_keeps_no_name_or_text() -> None:
    props = load_es_definition("component_templates", "lcom-links-mappings")["template"]["mappings"]
    assert props["dynamic"] == "strict"
    fields = set(props["properties"])
    assert not fields & {"name", "names", "text", "title", "contacts_raw", "phone", "email"}
    assert props["properties"]["name_hashes"]["index"] is False
    assert props["properties"]["ads"] == {"type": "object", "enabled": False}


def test_investigators_read_links_and_only_the_crawler_writes_them() -> None:
    roles = packaged_es_definitions()["roles"]

    def privileges(role: str) -> list[str] | None:
        for entry in roles[role]["indices"]:
            if entry["names"] == ["lcom-links", "lcom-links-*"]:
                return list(entry["privileges"])
        return None

    assert privileges("lcom_investigator") == ["read", "view_index_metadata"]
    assert privileges("lcom_crawler") == ["read", "write", "view_index_metadata", "maintenance"]
    assert privileges("lcom_legal") is None and privileges("lcom_review_sync") is None
