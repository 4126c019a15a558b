"""AnalysisPipeline: language, pseudonymisation, indicators and linking in a worker
process give what they give in the crawl process (fields, stats, log lines, drops, partial
updates of earlier hits); a worker that dies loses no ad; Ctrl-C does not end the worker,
closing the pipeline does. Each scenario runs in a fresh interpreter
(``tests/support/analysis_worker.py``)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from pipelines.analysis import AnalysisPipeline, wants_worker
from pipelines.offload import INLINE_TEXT_CHARS
from pipelines.pseudonymize import PSEUDONYMISED
from tests.support.analysis_worker import ITEMS, spawned

pytestmark = pytest.mark.timeout(300)
assert len(ITEMS[2]["text"]) > INLINE_TEXT_CHARS


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", "22" * 32)
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY_ID", "k-test")


def without_analysis_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if not k.startswith("lcom/analysis/")}


def stage_logs(run: dict[str, Any]) -> list[str]:
    return [
        line for line in run["logs"] if not line.split(" ", 2)[1].startswith("pipelines.analysis")
    ]


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LCOM_PSEUDONYM_KEY", "22" * 32)
        patch.setenv("LCOM_PSEUDONYM_KEY_ID", "k-test")
        run = spawned("same", False, str(tmp_path_factory.mktemp("links") / "links.sqlite"))
    assert not run["in_worker"]
    return run


def test_the_worker_gives_what_the_crawl_process_gives(
    in_process: dict[str, Any], tmp_path: Path
) -> None:
    run = spawned("same", True, str(tmp_path / "links.sqlite"))
    assert run["in_worker"] and run["stats"]["lcom/analysis/worker"] == 1
    assert run["results"] == in_process["results"]
    assert without_analysis_stats(run["stats"]) == in_process["stats"]
    assert run["updates"] == in_process["updates"] and run["updates"]
    assert stage_logs(run) == stage_logs(in_process)
    hit, ordinary, long_ad, dropped, dutch, *_ = run["results"]
    assert hit["hit"] and hit[PSEUDONYMISED] and "contacts_raw" not in hit
    assert "06-12345678" not in hit["text"] and "[phone:" in hit["text"]
    assert not ordinary["hit"]
    assert long_ad["hit"]
    assert dutch["lang"] == "nl" and "sanne@example.nl" not in dutch["text"]
    assert dropped[0] == "dropped" and set(dropped[2]) == {"source", "doc_id"}
    # The stage's warning about the dropped ad came back from the worker, by doc id only.
    assert any(
        dropped[2]["doc_id"] in line and "LCOM_MAX_TEXT_CHARS" in line for line in run["logs"]
    )
    assert run["stats"]["lcom/links/observed"] >= 4  # linking ran, in the worker


@pytest.mark.parametrize("when", ["killed_midway", "killed_before"])
def test_a_worker_killed_mid_crawl_loses_no_ad(
    in_process: dict[str, Any], tmp_path: Path, when: str
) -> None:
    run = spawned(when, True, str(tmp_path / "links.sqlite"))
    assert run["results"] == in_process["results"]
    assert without_analysis_stats(run["stats"]) == in_process["stats"]
    assert run["updates"] == in_process["updates"]
    assert run["stats"]["lcom/analysis/worker_lost"] == 1
    assert run["stats"]["lcom/analysis/worker"] == 0
    assert any("analysis worker process ended" in line for line in run["logs"])


def test_ctrl_c_does_not_end_the_worker_but_closing_the_pipeline_does(tmp_path: Path) -> None:
    run = spawned("ctrl_c", True, str(tmp_path / "links.sqlite"))
    assert run["alive_after_ctrl_c"]
    assert run["results"][0]["hit"]
    assert run["exitcode"] == 0


def test_a_stage_error_in_the_worker_fails_the_ad_with_its_traceback(tmp_path: Path) -> None:
    run = spawned("stage_error", True, str(tmp_path / "links.sqlite"))
    assert "failed in the worker process" in run["error"]
    assert "Traceback" in run["error"]


def test_no_fork_while_another_thread_runs(tmp_path: Path) -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="busy", daemon=True)
    thread.start()
    try:
        crawler = get_crawler(
            settings_dict={
                "LCOM_ANALYSIS_WORKER": True,
                "LCOM_LINKS_DB": str(tmp_path / "links.sqlite"),
            }
        )
        pipeline = AnalysisPipeline.from_crawler(crawler)
    finally:
        release.set()
        thread.join()
    assert not pipeline.in_worker
    pipeline.close_spider(None)


@pytest.mark.parametrize(
    ("value", "cpus", "expected"),
    [
        ("auto", 1, False),
        ("auto", 2, True),
        (None, 4, True),
        ("true", 1, True),
        (False, 8, False),
        ("0", 8, False),
    ],
)
def test_the_setting(value: object, cpus: int, expected: bool) -> None:
    assert wants_worker(value, cpus) is expected


def test_a_bad_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="LCOM_ANALYSIS_WORKER must be auto, true or false"):
        wants_worker("sometimes", 2)
