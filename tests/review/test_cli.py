"""``lcom review serve`` and ``lcom review queue`` on the embedded default."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from crawler.exitcodes import ExitCode
from crawler.review import server as server_module
from tests.es.hits import make_hit
from tests.review.conftest import write_spool


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.delenv("LCOM_SPOOL_DIR", raising=False)
    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("LCOM_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    write_spool(tmp_path / "spool", [make_hit("demo:", n) for n in range(2)])
    return tmp_path


def test_serve_prints_a_sign_in_link_with_a_fresh_token_on_loopback(
    var: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: dict[str, Any] = {}

    def fake_serve(app: Any, sock: socket.socket, **_: Any) -> None:
        served["address"] = sock.getsockname()
        sock.close()

    monkeypatch.setattr(server_module, "serve_forever", fake_serve)
    assert main(["review", "serve", "--port", "0"]) == ExitCode.OK
    out = capsys.readouterr().out
    host, port = served["address"]
    assert host == "127.0.0.1"
    assert f"http://127.0.0.1:{port}/login?token=" in out
    assert "2 hit observations read" in out
    assert (var / "review.sqlite").exists()


def test_serve_with_an_invalid_elasticsearch_url_is_a_usage_error(
    var: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ELASTICSEARCH_URL", "ftp://nowhere")
    assert main(["review", "serve"]) == ExitCode.USAGE
    assert "ELASTICSEARCH_URL" in capsys.readouterr().err


def test_queue_lists_the_same_hits_as_the_web_page(
    var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "queue", "--format", "json"]) == ExitCode.OK
    listed = json.loads(capsys.readouterr().out)
    assert listed["counts"]["new"] == 2
    assert {i["doc_id"] for i in listed["items"]} == {
        make_hit("demo:", n)["doc_id"] for n in range(2)
    }
