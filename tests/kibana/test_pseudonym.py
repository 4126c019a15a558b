"""`lcom pseudonym`: the pipeline's pseudonym for a known contact, audited without the value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cli import main
from pipelines.engine.pseudonyms import Pseudonymizer, pseudonymize_item

KEY = "ab" * 32


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("LCOM_PSEUDONYM_KEY_FILE", "LCOM_DEMO", "ELASTICSEARCH_URL", "LCOM_ACTOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY_ID", "k-test")
    audit = tmp_path / "audit.jsonl"
    monkeypatch.setenv("LCOM_AUDIT_LOG", str(audit))
    return audit


def pipeline_pseudonyms(contact: str, country: str = "NL") -> list[str]:
    item = {
        "source": "demo",
        "source_ad_id": "ad-1",
        "title": "",
        "text": "",
        "contacts_raw": [contact],
        "source_country": country,
    }
    pseudonymize_item(item, Pseudonymizer(bytes.fromhex(KEY), "k-test"))
    return list(item["contact_pseudonyms"])


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    code = main(["pseudonym", *args, "--format", "json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


@pytest.mark.parametrize(
    ("given", "as_in_ad", "kind"),
    [
        ("06 12 34 56 78", "+31612345678", "phone"),
        ("+31 (0)6-12345678", "0612345678", "phone"),
        ("Anna.B [at] Example [dot] com", "anna.b@example.com", "email"),
        ("t.me/Anna_Bell", "telegram: @anna_bell", "handle"),
    ],
)
def test_the_pseudonym_is_the_one_the_pipeline_stores(
    env: Path, capsys: pytest.CaptureFixture[str], given: str, as_in_ad: str, kind: str
) -> None:
    code, found, err = run([given], capsys)
    assert code == 0, err
    assert found["kind"] == kind
    assert [found["pseudonym"]] == pipeline_pseudonyms(as_in_ad)
    assert found["kql"] == f'contact_pseudonyms : "{found["pseudonym"]}"'


def test_a_bare_handle_needs_its_kind(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["anna_bell"], capsys)
    assert code == 2
    assert "--kind" in err
    code, found, _ = run(["@Anna_Bell", "--kind", "handle"], capsys)
    assert code == 0
    assert [found["pseudonym"]] == pipeline_pseudonyms("telegram: @anna_bell")


def test_country_sets_the_region_of_a_national_number(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found, _ = run(["0151 23456789", "--kind", "phone", "--country", "DE"], capsys)
    assert code == 0
    assert [found["pseudonym"]] == pipeline_pseudonyms("+49 151 23456789", "DE")


def test_every_use_is_audited_without_the_value(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LCOM_ACTOR", "inspector.j")
    code, found, _ = run(["06 12 34 56 78", "--reason", "case 2026-114"], capsys)
    assert code == 0
    (line,) = env.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["kind"] == "pseudonym_lookup"
    assert record["actor"] == "inspector.j"
    assert record["pseudonym"] == found["pseudonym"]
    assert record["reason"] == "case 2026-114"
    assert record["contact_kind"] == "phone"
    assert record["@timestamp"].endswith("Z")
    for digits in ("0612345678", "612345678", "12 34 56 78", "+31612345678"):
        assert digits not in line
    run(["anna@example.com"], capsys)
    assert "anna" not in env.read_text(encoding="utf-8")
    assert len(env.read_text(encoding="utf-8").splitlines()) == 2


def test_without_the_key_nothing_is_computed(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY")
    code, _, err = run(["06 12 34 56 78"], capsys)
    assert code == 2
    assert "no pseudonymisation key configured" in err
    assert not env.exists()


def test_no_pseudonym_is_shown_when_the_audit_record_cannot_be_written(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("LCOM_AUDIT_LOG", str(blocker / "audit.jsonl"))
    code = main(["pseudonym", "06 12 34 56 78"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert "the pseudonym is not shown" in err
