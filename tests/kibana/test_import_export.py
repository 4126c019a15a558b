"""`lcom kibana import/export` against the saved-objects API contract (and a real Kibana)."""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP

import pytest

from crawler.cli import main
from dashboards import KIBANA_DIR
from dashboards.kibana import sorted_files
from tests.kibana.conftest import TEST_API_KEY, Kibana
from tests.support.kibana_test_server import KibanaTestServer


def shipped_lines() -> list[str]:
    lines = []
    for path in sorted_files(KIBANA_DIR):
        lines += [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if '"exportedCount"' not in line
        ]
    return lines


def lcom(
    args: list[str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    for name in (
        "KIBANA_URL",
        "KIBANA_API_KEY",
        "KIBANA_USERNAME",
        "KIBANA_PASSWORD",
        "ELASTICSEARCH_API_KEY",
        "ELASTICSEARCH_USERNAME",
        "ELASTICSEARCH_PASSWORD",
        "LCOM_POLICY_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_sends_the_shipped_objects_as_kibana_expects(
    kibana_server: KibanaTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"KIBANA_URL": kibana_server.url, "KIBANA_API_KEY": TEST_API_KEY}
    code, out, _ = lcom(
        ["kibana", "import", "--space", "investigations", "--overwrite"], env, monkeypatch, capsys
    )
    assert code == 0, out
    status, space, imported = kibana_server.requests
    assert (status["method"], status["path"]) == ("GET", "/api/status")
    assert (space["method"], space["path"]) == ("GET", "/api/spaces/space/investigations")
    assert imported["method"] == "POST"
    assert imported["path"] == "/s/investigations/api/saved_objects/_import"
    assert imported["query"] == {"overwrite": "true"}
    headers = imported["headers"]
    assert "kbn-xsrf" in headers
    assert headers["authorization"] == f"ApiKey {TEST_API_KEY}"
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    form = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {headers['content-type']}\r\n\r\n".encode() + imported["body"]
    )
    (part,) = list(form.iter_parts())
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_filename().endswith(".ndjson")
    assert part.get_content_type() == "application/ndjson"
    lines = part.get_payload(decode=True).decode().splitlines()
    assert lines[:-1] == shipped_lines()
    assert json.loads(lines[-1])["exportedCount"] == len(lines) - 1
    assert f"{len(lines) - 1} of {len(lines) - 1} object(s) imported" in out


def test_import_without_overwrite_sends_no_overwrite_flag(
    kibana_server: KibanaTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"KIBANA_URL": kibana_server.url, "KIBANA_API_KEY": TEST_API_KEY}
    assert lcom(["kibana", "import"], env, monkeypatch, capsys)[0] == 0
    (imported,) = [r for r in kibana_server.requests if r["method"] == "POST"]
    assert imported["path"] == "/api/saved_objects/_import"
    assert imported["query"] == {}


def test_import_reports_an_object_error_it_gets_back(
    kibana_server: KibanaTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"KIBANA_URL": kibana_server.url, "KIBANA_API_KEY": TEST_API_KEY}
    kibana_server.fail_object("lens", "lcom-lens-hits-by-city", "mapping conflict")
    code, out, _ = lcom(["kibana", "import"], env, monkeypatch, capsys)
    assert code == 1
    assert "error: lens lcom-lens-hits-by-city (Hits by city): unknown: mapping conflict" in out


def test_import_reports_conflicts_object_by_object(
    kibana: Kibana, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lcom(["kibana", "import", "--overwrite"], kibana.env, monkeypatch, capsys)[0] == 0
    code, out, _ = lcom(["kibana", "import"], kibana.env, monkeypatch, capsys)
    assert code == 1
    assert (
        "error: dashboard lcom-dashboard-signals (lcom: Signals overview): conflict: "
        "exists already; run again with --overwrite to replace it"
    ) in out
    assert out.count(": conflict: ") == len(shipped_lines())
    assert "run `lcom kibana import --overwrite`" in out


def test_import_reports_missing_references(kibana: Kibana, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.kibana.client import KibanaClient, KibanaConfig
    from pipelines.kibana.saved_objects import import_objects

    lens = json.loads(next(line for line in shipped_lines() if '"type":"lens"' in line))
    lens["id"] = "lcom-test-lens-missing-view"
    lens["references"][0]["id"] = "lcom-test-no-such-data-view"
    with KibanaClient(KibanaConfig.from_env(kibana.env)) as client:
        result = import_objects(client, (json.dumps(lens) + "\n").encode(), overwrite=True)
    (error,) = result.errors
    assert error.error == "missing_references"
    assert "index-pattern lcom-test-no-such-data-view" in error.detail
    assert not result.ok


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KIBANA_API_KEY": "wrong"}, "Kibana refused the credentials (401): check the KIBANA_*"),
        ({}, "Kibana refused the credentials (401): no credentials are set"),
    ],
)
def test_bad_credentials_give_a_clear_error(
    kibana_server: KibanaTestServer,
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = lcom(
        ["kibana", "import"], {"KIBANA_URL": kibana_server.url, **env}, monkeypatch, capsys
    )
    assert code == 1
    assert message in err


def test_elasticsearch_credentials_are_used_when_no_kibana_ones_are_set(
    kibana_server: KibanaTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"KIBANA_URL": kibana_server.url, "ELASTICSEARCH_API_KEY": TEST_API_KEY}
    assert lcom(["kibana", "import"], env, monkeypatch, capsys)[0] == 0


@pytest.mark.parametrize("version", ["7.17.9", "8.13.4", "10.0.0"])
def test_an_unsupported_kibana_version_is_refused_before_importing(
    version: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with KibanaTestServer(version) as server:
        code, _, err = lcom(["kibana", "import"], {"KIBANA_URL": server.url}, monkeypatch, capsys)
        assert code == 1
        assert f"Kibana {version} is not supported" in err
        assert [r["path"] for r in server.requests] == ["/api/status"]


def test_a_missing_space_is_named(
    kibana_server: KibanaTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"KIBANA_URL": kibana_server.url, "KIBANA_API_KEY": TEST_API_KEY}
    code, _, err = lcom(["kibana", "import", "--space", "vice"], env, monkeypatch, capsys)
    assert code == 2
    assert "the Kibana space 'vice' does not exist" in err
    assert not [r for r in kibana_server.requests if r["method"] == "POST"]


def test_an_unreachable_kibana_is_an_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with KibanaTestServer() as server:
        url = server.url
    code, _, err = lcom(["kibana", "import"], {"KIBANA_URL": url}, monkeypatch, capsys)
    assert code == 1
    assert "cannot reach Kibana" in err


def test_missing_kibana_url_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = lcom(["kibana", "import"], {}, monkeypatch, capsys)
    assert code == 2
    assert "KIBANA_URL is not set" in err


def test_import_then_normalised_export_round_trips(
    kibana: Kibana, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = lcom(["kibana", "import", "--overwrite"], kibana.env, monkeypatch, capsys)
    assert code == 0, out + err
    code, out, err = lcom(["kibana", "export", "--normalise"], kibana.env, monkeypatch, capsys)
    assert code == 0, err
    exported = out.splitlines()
    shipped = shipped_lines()
    assert [json.loads(line)["id"] for line in exported] == [
        json.loads(line)["id"] for line in shipped
    ]
    if kibana.kind == "contract-server":
        # The server stores what it got: the normalised export is the shipped file again.
        assert exported == shipped
    for line in exported:
        assert "updated_at" not in json.loads(line)


def test_export_before_import_names_the_missing_objects(
    kibana_server: KibanaTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"KIBANA_URL": kibana_server.url, "KIBANA_API_KEY": TEST_API_KEY}
    code, _, err = lcom(["kibana", "export"], env, monkeypatch, capsys)
    assert code == 1
    assert "not found: index-pattern lcom-hits" in err
    assert "run `lcom kibana import` first" in err


def test_kibana_url_pointing_at_elasticsearch_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.es_test_server import EsTestServer

    with EsTestServer() as es:
        code, _, err = lcom(["kibana", "import"], {"KIBANA_URL": es.url}, monkeypatch, capsys)
    assert code == 1
    assert "does not answer like Kibana" in err
    assert "not Elasticsearch's" in err


def test_normalise_refuses_what_is_not_ndjson() -> None:
    from pipelines.kibana.client import KibanaApiError
    from pipelines.kibana.saved_objects import normalise

    with pytest.raises(KibanaApiError, match="line 2"):
        normalise(b'{"type":"lens","id":"a","attributes":{}}\n<html>\n')
