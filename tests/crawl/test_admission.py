"""Every refusal is decided before Scrapy starts: all reasons, audited, job folder untouched.

Refused runs never start Scrapy, so most of these run in this process; the two real crawls
show that a lapsed authorisation stops only the source it covers.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from crawler import jobstate
from crawler.cli import crawl as crawl_cli
from crawler.exitcodes import ExitCode
from crawler.jobs import CrawlReport, project_settings
from crawler.runtime import admit_crawl
from crawler.sources import BUNDLED_DIR as SOURCES_DIR
from crawler.summary import render_summary
from legal_guardrails import check_policy
from tests.crawl.conftest import TEST_PSEUDONYM_KEY, CrawlRunner, edit_yaml, make_policy

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY_FILE", raising=False)


def no_scrapy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the crawl would start Scrapy."""

    def started(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("Scrapy was started for a refused crawl")

    monkeypatch.setattr("crawler.jobs.run_crawl", started)


def resumable_jobdir(path: Path) -> dict[str, bytes]:
    """A job folder as a gracefully stopped run leaves it; returns its files' bytes."""
    jobstate.begin(path, "demo", "20261201T100000Z-abcdef")
    jobstate.finish(path, "20261201T100000Z-abcdef", "demo", "shutdown", pages=7)
    (path / "requests.queue").mkdir()
    (path / "requests.queue" / "p0").write_bytes(b"queued requests")
    (path / "requests.seen").write_text("fingerprints\n")
    return snapshot(path)


def snapshot(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def overrides(tmp_path: Path, policy: Path, **extra: Any) -> dict[str, Any]:
    return {
        "LCOM_POLICY_DIR": str(policy),
        "LCOM_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "LCOM_VAR_DIR": str(tmp_path / "var"),
        "JOBDIR": str(tmp_path / "job"),
        **extra,
    }


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def other_day() -> str:
    today = datetime.now(AMS).weekday()
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(today + 3) % 7]


def test_a_refusal_leaves_the_job_folder_resumable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_scrapy(monkeypatch)
    policy = make_policy(tmp_path / "policy")
    before = resumable_jobdir(tmp_path / "job")
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY")
    code, report = crawl_cli.execute("demo", None, overrides(tmp_path, policy))
    assert (code, report) == (ExitCode.REFUSED, None)
    err = capsys.readouterr().err
    assert "no pseudonymisation key configured" in err
    assert "LCOM_PSEUDONYM_KEY" in err.split("next:")[1]
    assert "guardrails check" not in err
    # Not one byte of the job folder changed: the next run resumes it.
    assert snapshot(tmp_path / "job") == before
    (record,) = audit(tmp_path)
    assert record["finish_reason"] == "lcom_refused"
    assert Path(record["policy_dir"]).is_absolute()
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    run_id, mode, pages = jobstate.begin(tmp_path / "job", "demo", "fresh")
    assert (run_id, mode, pages) == ("20261201T100000Z-abcdef", "resume", 7)


def test_every_reason_is_given_with_the_command_that_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_scrapy(monkeypatch)
    policy = make_policy(
        tmp_path / "policy",
        source={"crawl_hours": [{"days": [other_day()], "from": "00:00", "until": "24:00"}]},
        authorisation={"status": "suspended"},
    )
    (policy / "STOP").touch()
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY")
    code, _ = crawl_cli.execute("demo", None, overrides(tmp_path, policy))
    assert code == ExitCode.REFUSED
    err = capsys.readouterr().err
    for reason in (
        "kill switch engaged",
        "AUTH-DEMO-1 is suspended",
        "outside the crawl hours",
        "no pseudonymisation key",
    ):
        assert reason in err
    assert f"lcom guardrails explain demo --policy-dir {policy}" in err
    assert not (tmp_path / "job").exists()
    (record,) = audit(tmp_path)
    assert "outside the crawl hours" in record["refusal"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("nosuchsite", "no such source config (available: demo)"),
        ("typo", ":14: pages.ad.url_patern: 'url_patern' is not a known field"),
    ],
)
def test_a_source_problem_is_a_usage_error_with_file_and_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    message: str,
) -> None:
    no_scrapy(monkeypatch)
    text = (SOURCES_DIR / "demo.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "url_pattern" in lines[13]
    lines[13] = lines[13].replace("url_pattern", "url_patern")
    (tmp_path / "typo.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _ = crawl_cli.execute(
        str(tmp_path / "typo.yaml") if source == "typo" else source,
        None,
        overrides(tmp_path, make_policy(tmp_path / "policy")),
    )
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert message in err
    assert "guardrails check" not in err
    assert [r["finish_reason"] for r in audit(tmp_path)] == ["lcom_refused"]


def two_source_policy(
    tmp_path: Path, *, lapsed_until: date, other_until: date
) -> tuple[Path, Path]:
    """The demo policy plus a source ``other`` under its own authorisation AUTH-OTHER-1.

    AUTH-DEMO-1 (source ``demo``) ends on ``other_until``; AUTH-OTHER-1 on ``lapsed_until``.
    Returns the policy folder and the folder of the crawler's source configs.
    """
    policy = make_policy(tmp_path / "policy", authorisation={"valid_until": str(other_until)})
    source = yaml.safe_load((policy / "sources" / "demo.yaml").read_text(encoding="utf-8"))
    source.update(id="other", authorisations=["AUTH-OTHER-1"])
    (policy / "sources" / "other.yaml").write_text(yaml.safe_dump(source), encoding="utf-8")
    auths = yaml.safe_load((policy / "authorisations.yaml").read_text(encoding="utf-8"))
    lapsed = copy.deepcopy(auths["authorisations"][0])
    lapsed.update(id="AUTH-OTHER-1", sources=["other"])
    lapsed["valid_until"] = str(lapsed_until)
    auths["authorisations"].append(lapsed)
    (policy / "authorisations.yaml").write_text(yaml.safe_dump(auths), encoding="utf-8")
    configs = tmp_path / "sources"
    configs.mkdir()
    for source_id in ("demo", "other"):
        config = yaml.safe_load((SOURCES_DIR / "demo.yaml").read_text(encoding="utf-8"))
        config["id"] = source_id
        config["start_urls"] = ["{base_url}/go/partner"]
        (configs / f"{source_id}.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return policy, configs


def test_a_lapsed_authorisation_stops_only_the_source_it_covers(tmp_path: Path) -> None:
    today = datetime.now(AMS).date()
    policy, configs = two_source_policy(
        tmp_path, lapsed_until=today - timedelta(days=3), other_until=today + timedelta(days=6)
    )
    result = check_policy(policy)
    assert result.ok, [p.render() for p in result.errors]
    rules = {p.rule for p in result.warnings}
    assert {"authorisation_expired", "source_not_authorised", "authorisation_ends_soon"} <= rules
    settings = project_settings({"LCOM_POLICY_DIR": str(policy), "LCOM_SOURCES_DIR": str(configs)})
    now = datetime.now(UTC)
    refused = admit_crawl(settings, "other", now)
    assert [r.kind for r in refused.refusals] == ["not_authorised"]
    assert "AUTH-OTHER-1 ended on" in refused.refusals[0].reason
    admitted = admit_crawl(settings, "demo", now)
    assert admitted.ok and admitted.permit is not None
    # Six days before AUTH-DEMO-1 ends: a warning, at crawl start and in the summary.
    (warning,) = admitted.warnings
    assert "authorisation AUTH-DEMO-1 ends in 6 days" in warning
    summary = render_summary(CrawlReport(stats={}, extras={"warnings": [warning]}), "demo")
    assert "AUTH-DEMO-1 ends in 6 days" in summary


@pytest.mark.slow
def test_two_sources_one_lapsed_the_other_crawls(crawl: CrawlRunner) -> None:
    today = datetime.now(AMS).date()
    policy, configs = two_source_policy(
        crawl.tmp, lapsed_until=today - timedelta(days=3), other_until=today + timedelta(days=6)
    )
    crawl.environ["LCOM_SOURCES_DIR"] = str(configs)
    crawl.settings["LCOM_SOURCES_DIR"] = str(configs)
    refused = crawl.run(policy=policy, source="other")
    assert refused.returncode == ExitCode.REFUSED, refused.output[-3000:]
    assert "AUTH-OTHER-1 ended on" in refused.stderr
    assert refused.requests == []
    ran = crawl.run(policy=policy, source="demo")
    assert ran.returncode == ExitCode.OK, ran.output[-3000:]
    assert ran.finish_reason == "finished"
    assert ran.requests, "the source whose authorisation runs was crawled"
    assert "AUTH-DEMO-1 ends in 6 days" in ran.stdout
    assert [r["finish_reason"] for r in ran.audit] == ["lcom_refused", "finished"]


def test_warning_period_comes_from_the_policy(tmp_path: Path) -> None:
    today = datetime.now(AMS).date()
    policy, configs = two_source_policy(
        tmp_path, lapsed_until=today + timedelta(days=200), other_until=today + timedelta(days=40)
    )
    settings = project_settings({"LCOM_POLICY_DIR": str(policy), "LCOM_SOURCES_DIR": str(configs)})
    assert admit_crawl(settings, "demo", datetime.now(UTC)).warnings == ()
    edit_yaml(policy / "bundle.yaml", {"warning_days": 45})
    (warning,) = admit_crawl(settings, "demo", datetime.now(UTC)).warnings
    assert "ends in 40 days" in warning
