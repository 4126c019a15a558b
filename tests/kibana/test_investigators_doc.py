"""Every command in docs/investigators.md runs (against the loopback test servers)."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.cli import main
from pipelines.es.client import EsConnectionConfig, make_client
from pipelines.es.setup import setup_cluster
from tests.support.es_test_server import EsTestServer
from tests.support.kibana_test_server import KibanaTestServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "investigators.md"
_SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def documented_commands() -> list[str]:
    commands = []
    for block in _SH_BLOCK.findall(DOC.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[EsTestServer, KibanaTestServer]]:
    with EsTestServer() as es, KibanaTestServer() as kibana:
        with make_client(EsConnectionConfig(url=es.url, max_retries=1)) as client:
            assert setup_cluster(client).ok
        yield es, kibana


def test_the_guide_has_commands_and_only_lcom_ones() -> None:
    commands = documented_commands()
    assert len(commands) >= 5
    assert all(c.startswith("lcom ") for c in commands), commands


@pytest.mark.parametrize("command", documented_commands())
def test_every_command_in_the_investigators_guide_runs(
    command: str,
    servers: tuple[EsTestServer, KibanaTestServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    es, kibana = servers
    for name in (
        "LCOM_PSEUDONYM_KEY_FILE",
        "LCOM_DEMO",
        "KIBANA_API_KEY",
        "LCOM_POLICY_DIR",
        "ELASTICSEARCH_API_KEY",
        "ELASTICSEARCH_USERNAME",
        "ELASTICSEARCH_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIBANA_URL", kibana.url)
    monkeypatch.setenv("ELASTICSEARCH_URL", es.url)
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", "cd" * 32)
    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("LCOM_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("LCOM_SPOOL_DIR", str(tmp_path / "spool"))
    args = shlex.split(command)[1:]
    if args[:2] == ["kibana", "import"]:
        kibana.store.clear()
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, f"{command}\n{out}\n{err}"
    if args[0] == "pseudonym":
        (record,) = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
        assert record["reason"] == "case 2026-114"
        assert record["pseudonym"] in out
        value = args[1]
        assert value not in json.dumps(record)
        indexed = [
            d
            for d in es.documents("lcom-audit").values()
            if d.get("pseudonym") == record["pseudonym"]
        ]
        assert indexed and value not in json.dumps(indexed)


_CONSOLE_BLOCK = re.compile(
    r"^[ \t]*```text\n[ \t]*((?:POST|PUT|GET) [^\n]+)\n(.*?)^[ \t]*```", re.M | re.S
)


def test_every_dev_tools_request_in_the_guide_is_accepted(
    servers: tuple[EsTestServer, KibanaTestServer],
) -> None:
    es, _ = servers
    requests = _CONSOLE_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert requests
    with make_client(EsConnectionConfig(url=es.url, max_retries=1)) as client:
        for request_line, body in requests:
            method, path = request_line.split()
            response = client.perform_request(
                method,
                "/" + path.lstrip("/"),
                headers={"content-type": "application/json", "accept": "application/json"},
                body=json.loads(body),
            )
            assert response.meta.status in (200, 201), request_line
