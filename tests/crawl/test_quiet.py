"""A quiet default: a crawl prints its summary; Scrapy's log only with -v; resumed runs add up."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest

from crawler import jobstate
from crawler.cli import crawl as crawl_cli
from crawler.jobs import CrawlReport, ExpectedFailures, add_earlier_segments
from crawler.summary import render_summary


def parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    crawl_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["crawl", "demo", *argv])


@pytest.mark.parametrize(
    ("argv", "level"),
    [((), "WARNING"), (("-v",), "INFO"), (("-v", "-s", "LOG_LEVEL=DEBUG"), "DEBUG")],
)
def test_scrapy_logs_only_warnings_unless_verbose(argv: tuple[str, ...], level: str) -> None:
    assert crawl_cli.overrides_from(parsed(*argv))["LOG_LEVEL"] == level


def test_the_old_option_spellings_still_work_and_say_they_are_deprecated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parsed("--policy", "/p", "--spool", "/s")
    assert (args.policy, args.spool) == ("/p", "/s")
    err = capsys.readouterr().err
    assert "--policy is deprecated" in err and "use --policy-dir" in err


def record(name: str, message: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_expected_page_failures_are_left_to_the_spider_s_one_line() -> None:
    quiet = ExpectedFailures()
    retry = "scrapy.downloadermiddlewares.retry"
    assert not quiet.filter(record(retry, "Gave up retrying %(request)s (failed 3 times)"))
    assert not quiet.filter(
        record("x", "Expected to receive 6 bytes, larger than download max size")
    )
    assert quiet.filter(record(retry, "Retrying %(request)s (failed 1 times)"))


def test_a_resumed_run_reports_the_totals_of_all_its_segments(tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    run_id, mode, _ = jobstate.begin(jobdir, "demo", "run-1")
    assert mode == "new"
    jobstate.add_totals(jobdir, run_id, {"response_received_count": 30, "lcom/pipeline/hits": 4})
    jobstate.finish(jobdir, run_id, "demo", "shutdown", pages=30)
    run_id, mode, pages = jobstate.begin(jobdir, "demo", "run-2")
    assert (run_id, mode, pages) == ("run-1", "resume", 30)
    jobstate.add_totals(jobdir, run_id, {"response_received_count": 12, "lcom/pipeline/hits": 1})
    report = CrawlReport(stats={"response_received_count": 12, "finish_reason": "finished"})
    report.run_id = run_id
    add_earlier_segments(report, jobdir)
    summary = render_summary(report, "demo")
    assert "(2 segments, counted together)" in summary
    assert "pages fetched:      42" in summary
    assert "hits stored:        5" in summary
    # A finished job folder starts a new run: its totals start again.
    jobstate.finish(jobdir, run_id, "demo", "finished", pages=42)
    new_id, mode, _ = jobstate.begin(jobdir, "demo", "run-3")
    assert (new_id, mode) == ("run-3", "new")
    assert jobstate.read_totals(jobdir) is None
