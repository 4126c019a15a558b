"""``lcom es setup``: idempotent install, version check, CLI output."""

from __future__ import annotations

import argparse

import pytest
from elasticsearch import Elasticsearch

from crawler.cli import es as es_cli
from dashboards.build import DEFAULT_RETENTION, Retention
from pipelines.es.errors import UnsupportedClusterError
from pipelines.es.setup import setup_cluster
from tests.es.conftest import Cluster
from tests.support.es_test_server import EsTestServer


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    es_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_second_setup_changes_nothing_and_says_so(es_cluster: Cluster) -> None:
    # The fixture already ran setup once.
    with es_cluster.client() as client:
        report = setup_cluster(client)
    assert report.ok
    assert {item.outcome for item in report.items} == {"unchanged"}
    assert report.lines()[-1] == "nothing changed"


def test_second_setup_sends_no_write_request(es_server: EsTestServer) -> None:
    with Elasticsearch(es_server.url) as client:
        first = setup_cluster(client)
        es_server.requests.clear()
        second = setup_cluster(client)
    assert first.summary() == f"{len(first.items)} changed"
    assert second.summary() == "nothing changed"
    assert [r for r in es_server.requests if r[0] in ("PUT", "POST", "DELETE")] == []


def test_a_new_retention_updates_only_the_ilm_policies(es_server: EsTestServer) -> None:
    longer = Retention(
        hits_by_state={**DEFAULT_RETENTION.hits_by_state, "relevant": 730}, audit_days=730
    )
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
        report = setup_cluster(client, longer)
    changed = {(i.kind, i.name) for i in report.changed}
    assert changed == {
        ("ilm policy", "lcom-hits"),
        ("ilm policy", "lcom-reviews"),
        ("ilm policy", "lcom-links"),
    }
    phases = es_server.ilm_policies["lcom-hits"]["policy"]["phases"]
    assert phases["delete"]["min_age"] == "730d"


def test_dry_run_reports_but_writes_nothing(es_server: EsTestServer) -> None:
    with Elasticsearch(es_server.url) as client:
        report = setup_cluster(client, dry_run=True)
    assert report.summary() == f"dry run: {len(report.items)} would change"
    assert es_server.index_templates == {} and es_server.indices == {}


@pytest.mark.parametrize("version", ["8.15.0", "8.19.3", "9.0.0", "9.2.1"])
def test_elasticsearch_8_and_9_are_supported(version: str) -> None:
    with EsTestServer(version) as server, Elasticsearch(server.url) as client:
        assert setup_cluster(client).version == version


@pytest.mark.parametrize("version", ["7.17.9", "10.0.0", "not-a-version"])
def test_other_versions_are_refused_with_a_clear_message(version: str) -> None:
    with EsTestServer(version) as server, Elasticsearch(server.url) as client:
        with pytest.raises(UnsupportedClusterError, match=r"supports Elasticsearch 8\.x or 9\.x"):
            setup_cluster(client)
        assert server.index_templates == {}


def test_cli_setup_twice_prints_nothing_changed(
    es_server: EsTestServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    assert run_cli(["es", "setup"]) == 0
    first = capsys.readouterr().out
    assert "lcom-hits -> lcom-hits-000001 created" in " ".join(first.split())
    assert run_cli(["es", "setup"]) == 0
    captured = capsys.readouterr()
    second = captured.out.splitlines()
    assert second[-1] == "nothing changed"
    assert "next: install the Kibana data views and dashboards with `lcom kibana import`" in (
        captured.err
    )
    assert all(line.split()[-1] in ("unchanged", "exists)") for line in second[2:-1])


def test_cli_setup_refuses_a_server_that_is_not_elasticsearch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with EsTestServer("7.10.2") as server:
        monkeypatch.setenv("ELASTICSEARCH_URL", server.url)
        assert run_cli(["es", "setup"]) == 2
    assert "not supported" in capsys.readouterr().err


def test_cli_setup_without_a_url_explains_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    assert run_cli(["es", "setup"]) == 2
    assert "ELASTICSEARCH_URL is not set" in capsys.readouterr().err


def test_a_server_without_the_elasticsearch_product_header_is_refused() -> None:
    with (
        EsTestServer(product_header=False) as server,
        Elasticsearch(server.url) as client,
        pytest.raises(UnsupportedClusterError, match="does not identify as Elasticsearch"),
    ):
        setup_cluster(client)
