"""``lcom links``: the link store as readable tables or JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.cli import main
from pipelines.links.model import Observation
from pipelines.links.sqlite import SqliteLinkStore
from tests.links.conftest import obs

KEY = "a1" * 32


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    var = tmp_path / "var"
    monkeypatch.setenv("LCOM_VAR_DIR", str(var))
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.delenv("LCOM_LINKS_DB", raising=False)
    store = SqliteLinkStore(var / "links.sqlite")
    for n, city in enumerate(("Den Haag", "Nijmegen", "Venlo\x1b[31m", "Tilburg")):
        store.add(obs(f"demo:{n}", city, 3 * n, KEY, ages=(20 + n,)))
    store.add(obs("demo:9", "Utrecht", 0, "b2" * 32))
    store.add(obs("demo:10", "Utrecht", 1, "b2" * 32))
    store.add(obs("demo:11", "Utrecht", 1, "c3" * 32))
    store.close()
    return var


def test_carousels_are_listed_as_a_table_with_their_cities(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", "--carousels"]) == 0
    out = capsys.readouterr().out
    header, rule, row, *_ = out.splitlines()
    assert header.split()[:5] == ["kind", "key", "ads", "hits", "cities"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert row.split()[:5] == ["contact", KEY[:16], "4", "4", "4"]
    assert "Den Haag, Nijmegen" in row
    assert "\x1b" not in out  # text from a crawl never drives the terminal
    assert "b2b2" not in out  # one city only: no carousel


def test_without_options_every_key_linking_two_ads_is_listed(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links"]) == 0
    out = capsys.readouterr().out
    assert KEY[:16] in out and "b2" * 8 in out
    assert "c3c3" not in out  # one ad links nothing


def test_one_pseudonym_shows_its_cities_with_dates(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", "--pseudonym", KEY[:12]]) == 0
    out = capsys.readouterr().out
    assert f"contact {KEY}" in out
    assert re.search(r"^Nijmegen +2026-11-04  2026-11-04$", out, re.MULTILINE)
    assert "stated ages 20, 21, 22, 23" in out


def test_json_output_holds_the_key_summaries(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", "--carousels", "--format", "json"]) == 0
    (summary,) = json.loads(capsys.readouterr().out)
    assert summary["key"] == KEY
    assert summary["n_cities"] == 4
    assert summary["cities"][0] == {
        "city": "Den Haag",
        "first": "2026-11-01T00:00:00Z",
        "last": "2026-11-01T00:00:00Z",
    }


def test_an_unknown_pseudonym_is_an_error_not_a_crash(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", "--pseudonym", "nope\x1b[2J"]) == 1
    err = capsys.readouterr().err
    assert "does not know" in err and "\x1b" not in err


def test_an_empty_store_says_there_is_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    assert main(["links", "--carousels"]) == 0
    assert "no carousels" in capsys.readouterr().out


def test_purge_erases_link_store_notes_after_their_own_retention_and_audits_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    var = tmp_path / "var"
    monkeypatch.setenv("LCOM_VAR_DIR", str(var))
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.delenv("LCOM_POLICY_DIR", raising=False)
    now = datetime.now(UTC)
    store = SqliteLinkStore(var / "links.sqlite")
    store.add(Observation("demo:old", "demo", "Breda", now - timedelta(days=20), ("p1",)))
    store.add(Observation("demo:new", "demo", "Breda", now - timedelta(days=2), ("p1",)))
    store.add(Observation("demo:hit", "demo", "Ede", now - timedelta(days=20), ("p1",), hit=True))
    store.close()
    audit = tmp_path / "audit.jsonl"
    code = main(["purge", "--spool-dir", str(var / "spool"), "--audit-log", str(audit)])
    assert code == 0
    assert "link store: deleted 0 hit and 1 non-hit observation(s)" in capsys.readouterr().out
    (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
    assert record["deleted"]["link_observations"] == {"hit": 0, "non_hit": 1}
    reopened = SqliteLinkStore(var / "links.sqlite")
    summary = reopened.get("p1")
    assert summary is not None and summary.doc_ids == ("demo:hit", "demo:new")
    reopened.close()


def test_purge_creates_no_link_store_where_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.delenv("LCOM_POLICY_DIR", raising=False)
    audit = tmp_path / "audit.jsonl"
    assert main(["purge", "--spool-dir", str(tmp_path / "spool"), "--audit-log", str(audit)]) == 0
    assert not (tmp_path / "var" / "links.sqlite").exists()
