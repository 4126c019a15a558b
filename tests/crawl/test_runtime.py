"""The runtime turns the policy into settings before the crawl starts (no crawl here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.crawler import Crawler

from crawler import jobstate
from crawler.jobs import project_settings
from crawler.runtime import POLICY_PRIORITY, prepare_runtime
from crawler.spiders.ads import AdSpider
from legal_guardrails import GuardrailError
from tests.crawl.conftest import TEST_PSEUDONYM_KEY, edit_yaml, make_policy


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runtime refuses a crawl without a key before it touches the job folder.
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY_FILE", raising=False)


def prepared(policy: Path, **settings: object):  # type: ignore[no-untyped-def]
    # Settings as `lcom crawl -s NAME=VALUE` gives them (command-line priority).
    crawler = Crawler(AdSpider, project_settings({"LCOM_POLICY_DIR": str(policy), **settings}))
    runtime = prepare_runtime(crawler, "demo", "http://127.0.0.1:1")
    return crawler, runtime


def test_policy_limits_win_over_wider_operator_settings(tmp_path: Path) -> None:
    policy = make_policy(tmp_path / "policy", source={"requests_per_second": 4, "concurrency": 2})
    crawler, runtime = prepared(
        policy,
        DOWNLOAD_DELAY=0,
        CONCURRENT_REQUESTS=64,
        CONCURRENT_REQUESTS_PER_DOMAIN=64,
        DEPTH_LIMIT=1000,
        ROBOTSTXT_OBEY=False,
        TELNETCONSOLE_ENABLED=True,
    )
    settings = crawler.settings
    assert settings.getfloat("DOWNLOAD_DELAY") == pytest.approx(0.25)
    assert settings.getint("CONCURRENT_REQUESTS") == 2
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.getint("DEPTH_LIMIT") == runtime.permit.max_depth
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getpriority("DOWNLOAD_DELAY") == POLICY_PRIORITY


def test_stricter_operator_settings_are_kept(tmp_path: Path) -> None:
    crawler, _ = prepared(
        make_policy(tmp_path / "policy"), DOWNLOAD_DELAY=2.0, CONCURRENT_REQUESTS=1
    )
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 2.0
    assert crawler.settings.getint("CONCURRENT_REQUESTS") == 1


@pytest.mark.parametrize("derive", [True, False])
def test_the_data_policy_decides_whether_origin_is_derived(tmp_path: Path, derive: bool) -> None:
    policy = make_policy(tmp_path / "policy")
    edit_yaml(policy / "data_policy.yaml", {"derive_origin": derive})
    crawler, _ = prepared(policy, LCOM_DERIVE_ORIGIN=not derive)
    assert crawler.settings.getbool("LCOM_DERIVE_ORIGIN") is derive


def test_every_item_records_the_policy_and_authorisation_it_was_collected_under(
    tmp_path: Path,
) -> None:
    _, runtime = prepared(make_policy(tmp_path / "policy"))
    provenance = runtime.provenance
    assert provenance["policy_version"] == runtime.policy.version
    assert provenance["policy_hash"] == runtime.policy.content_hash
    assert provenance["authorisation_id"] == "AUTH-DEMO-1"
    assert provenance["legal_basis_id"]
    assert provenance["run_id"] == runtime.run_id


def test_an_expired_authorisation_refuses_before_any_component_exists(tmp_path: Path) -> None:
    policy = make_policy(
        tmp_path / "policy",
        authorisation={"valid_from": "2025-01-01", "valid_until": "2025-06-30"},
    )
    with pytest.raises(GuardrailError):
        prepared(policy, LCOM_VAR_DIR=str(tmp_path / "var"))


class TestJobState:
    def test_a_new_job_folder_starts_a_new_run(self, tmp_path: Path) -> None:
        assert jobstate.begin(tmp_path, "demo", "run-1") == ("run-1", "new", 0)
        assert jobstate.read_marker(tmp_path)["state"] == "running"  # type: ignore[index]

    def test_a_killed_run_is_recovered_under_its_own_run_id_without_scrapy_state(
        self, tmp_path: Path
    ) -> None:
        jobstate.begin(tmp_path, "demo", "run-1")
        jobstate.record_pages(tmp_path, "run-1", "demo", 7)
        (tmp_path / "requests.seen").write_text("abc\n")
        (tmp_path / "requests.queue").mkdir()
        assert jobstate.begin(tmp_path, "demo", "run-2") == ("run-1", "recover", 7)
        assert not (tmp_path / "requests.seen").exists()
        assert not (tmp_path / "requests.queue").exists()

    def test_a_gracefully_stopped_run_resumes_with_its_state(self, tmp_path: Path) -> None:
        jobstate.begin(tmp_path, "demo", "run-1")
        (tmp_path / "requests.seen").write_text("abc\n")
        jobstate.finish(tmp_path, "run-1", "demo", "shutdown", pages=12)
        assert jobstate.begin(tmp_path, "demo", "run-2") == ("run-1", "resume", 12)
        assert (tmp_path / "requests.seen").exists()

    def test_a_finished_job_folder_is_reused_for_a_new_run(self, tmp_path: Path) -> None:
        jobstate.begin(tmp_path, "demo", "run-1")
        (tmp_path / "requests.seen").write_text("abc\n")
        jobstate.finish(tmp_path, "run-1", "demo", "finished", pages=40)
        assert jobstate.begin(tmp_path, "demo", "run-2") == ("run-2", "new", 0)
        assert not (tmp_path / "requests.seen").exists()

    @pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
    def test_an_unreadable_marker_refuses_the_run_instead_of_resetting_the_page_cap(
        self, tmp_path: Path, content: str
    ) -> None:
        (tmp_path / jobstate.MARKER).write_text(content)
        with pytest.raises(jobstate.JobStateError, match="remove it"):
            jobstate.begin(tmp_path, "demo", "run-9")
        assert (tmp_path / jobstate.MARKER).read_text() == content  # left for inspection

    @pytest.mark.parametrize("state", ["running", "shutdown", "finished"])
    def test_a_job_folder_of_another_source_is_refused(self, tmp_path: Path, state: str) -> None:
        jobstate.begin(tmp_path, "other", "run-1")
        if state != "running":
            jobstate.finish(tmp_path, "run-1", "other", state, pages=3)
        with pytest.raises(jobstate.JobStateError, match="belongs to source 'other'"):
            jobstate.begin(tmp_path, "demo", "run-2")


def test_an_unreadable_job_marker_is_an_audited_refusal(tmp_path: Path) -> None:
    import json

    jobdir = tmp_path / "job"
    jobdir.mkdir()
    (jobdir / jobstate.MARKER).write_text("{not json")
    audit = tmp_path / "audit.jsonl"
    with pytest.raises(jobstate.JobStateError):
        prepared(make_policy(tmp_path / "policy"), JOBDIR=str(jobdir), LCOM_AUDIT_LOG=str(audit))
    (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
    assert record["finish_reason"] == "lcom_refused"
    assert "JobStateError" in record["refusal"]


def test_a_recovered_job_continues_the_page_cap_where_it_stopped(tmp_path: Path) -> None:
    from crawler.middlewares.guardrails import guardrails_for

    jobdir = tmp_path / "job"
    jobstate.begin(jobdir, "demo", "run-1")
    jobstate.record_pages(jobdir, "run-1", "demo", 9)  # then the process was killed
    policy = make_policy(tmp_path / "policy", source={"pages_per_run": 10})
    crawler, runtime = prepared(policy, JOBDIR=str(jobdir))
    assert (runtime.run_id, runtime.pages_already) == ("run-1", 9)
    guardrails = guardrails_for(crawler)
    assert guardrails.admit("http://127.0.0.1:1/ad/1") is None
    assert jobstate.read_marker(jobdir)["pages"] == 10  # type: ignore[index]
    assert guardrails.admit("http://127.0.0.1:1/ad/2") == "page_cap"


GUARDRAILS_MW = "crawler.middlewares.guardrails.GuardrailsMiddleware"
GATE = "crawler.middlewares.guardrails.GuardrailsGate"
PSEUDONYMIZE = "pipelines.pseudonymize.PseudonymizePipeline"
ANALYSIS = "pipelines.analysis.AnalysisPipeline"
LINKING = "pipelines.linking.LinkingPipeline"
MINIMIZE = "pipelines.minimize.MinimizePipeline"
CAPTURE = "tests.crawl.capture.CapturePipeline"
DEPTH_GUARD = "crawler.middlewares.guardrails.DepthGuardMiddleware"
LCOM_EXTENSIONS = {
    "crawler.extensions.killswitch.KillSwitch": 10,
    "crawler.extensions.audit.AuditLog": 20,
}


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        ({"DOWNLOADER_MIDDLEWARES": {}}, GUARDRAILS_MW),
        ({"DOWNLOADER_MIDDLEWARES": {GUARDRAILS_MW: 50, GATE: None}}, GATE),
        ({"DOWNLOADER_MIDDLEWARES": {GUARDRAILS_MW: 50, GATE: 500}}, "RetryMiddleware"),
        ({"DOWNLOADER_MIDDLEWARES_BASE": {}}, "RobotsTxtMiddleware"),
        ({"SPIDER_MIDDLEWARES": {}}, "DepthGuardMiddleware"),
        ({"SPIDER_MIDDLEWARES_BASE": {}}, "DepthMiddleware"),
        ({"EXTENSIONS": {}}, "KillSwitch"),
        ({"EXTENSIONS": {"crawler.extensions.killswitch.KillSwitch": 10}}, "AuditLog"),
        ({"ITEM_PIPELINES": {}}, PSEUDONYMIZE),
        ({"ITEM_PIPELINES": {PSEUDONYMIZE: 200}}, MINIMIZE),
        ({"ITEM_PIPELINES": {PSEUDONYMIZE: 500, MINIMIZE: 400}}, "must come before"),
        ({"ITEM_PIPELINES": {ANALYSIS: 500, MINIMIZE: 400}}, f"{ANALYSIS} must come before"),
        (
            {"ITEM_PIPELINES": {ANALYSIS: 360, LINKING: 350, MINIMIZE: 400}},
            f"{ANALYSIS} must come before {LINKING}",
        ),
        ({"ITEM_PIPELINES": {ANALYSIS: None, MINIMIZE: 400}}, PSEUDONYMIZE),
        (
            {"ITEM_PIPELINES": {PSEUDONYMIZE: 200, MINIMIZE: 400, CAPTURE: 150}},
            "tests.crawl.capture.CapturePipeline would see items before",
        ),
        (
            {
                "LCOM_DEMO": True,
                "ITEM_PIPELINES": {
                    PSEUDONYMIZE: 200,
                    MINIMIZE: 400,
                    "pipelines.elasticsearch.ElasticsearchPipeline": 300,
                },
            },
            "ElasticsearchPipeline would see items before",
        ),
    ],
)
def test_settings_that_drop_or_bypass_a_guardrail_component_refuse_the_crawl(
    tmp_path: Path, settings: dict[str, object], missing: str
) -> None:
    import json

    from crawler.runtime import UnsafeSettingsError

    audit = tmp_path / "audit.jsonl"
    with pytest.raises(UnsafeSettingsError, match=missing):
        prepared(make_policy(tmp_path / "policy"), LCOM_AUDIT_LOG=str(audit), **settings)
    (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
    assert record["finish_reason"] == "lcom_refused"
    assert missing in record["refusal"]


@pytest.mark.parametrize(
    "settings",
    [
        # Anything after minimisation sees only the hit document.
        {"ITEM_PIPELINES": {PSEUDONYMIZE: 200, MINIMIZE: 400, CAPTURE: 950}},
        # Scrapy's own middlewares may be added beside lcom's.
        {
            "DOWNLOADER_MIDDLEWARES": {
                GUARDRAILS_MW: 50,
                GATE: 800,
                "scrapy.downloadermiddlewares.stats.DownloaderStats": 850,
            }
        },
    ],
)
def test_extra_components_that_keep_the_guardrails_in_place_are_accepted(
    tmp_path: Path, settings: dict[str, object]
) -> None:
    prepared(make_policy(tmp_path / "policy"), **settings)


@pytest.mark.parametrize(
    "settings",
    [
        # A test capture pipeline before pseudonymisation, and test middlewares.
        {"ITEM_PIPELINES": {PSEUDONYMIZE: 200, MINIMIZE: 400, CAPTURE: 150}},
        {"DOWNLOADER_MIDDLEWARES": {GUARDRAILS_MW: 50, GATE: 800, CAPTURE: 700}},
    ],
)
def test_test_components_are_accepted_in_demo_mode_under_the_bundled_demo_policy(
    settings: dict[str, object],
) -> None:
    from crawler.runtime import DEMO_POLICY_DIR

    _, runtime = prepared(DEMO_POLICY_DIR, LCOM_DEMO=True, **settings)
    assert runtime.demo


def test_the_demo_exemption_does_not_hold_under_a_copy_of_the_demo_policy(
    tmp_path: Path,
) -> None:
    from crawler.runtime import UnsafeSettingsError

    copy = make_policy(tmp_path / "policy")  # same content, another folder
    with pytest.raises(UnsafeSettingsError, match="would see items before"):
        prepared(
            copy,
            LCOM_DEMO=True,
            ITEM_PIPELINES={PSEUDONYMIZE: 200, MINIMIZE: 400, CAPTURE: 150},
        )
    _, runtime = prepared(copy, LCOM_DEMO=True)
    assert not runtime.demo


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"HTTPCACHE_ENABLED": True}, "HTTPCACHE_ENABLED"),
        ({"HTTPCACHE_ENABLED": "1"}, "HTTPCACHE_ENABLED"),
        ({"FEEDS": {"items.jsonl": {"format": "jsonlines"}}}, "FEEDS"),
        ({"FEEDS": '{"s3://bucket/items.csv": {"format": "csv"}}'}, "FEEDS"),
        ({"FEED_URI": "items.json"}, "FEED_URI"),
        ({"FILES_STORE": "/tmp/files"}, "FILES_STORE"),
        ({"IMAGES_STORE": "/tmp/images"}, "IMAGES_STORE"),
        (
            {
                "ITEM_PIPELINES": {
                    PSEUDONYMIZE: 200,
                    MINIMIZE: 400,
                    "scrapy.pipelines.files.FilesPipeline": 950,
                }
            },
            "FilesPipeline",
        ),
        ({"STATS_CLASS": "tests.crawl.capture.CapturePipeline"}, "STATS_CLASS"),
        ({"EXTENSIONS": {**LCOM_EXTENSIONS, CAPTURE: 500}}, "EXTENSIONS enables"),
        (
            {"DOWNLOADER_MIDDLEWARES": {GUARDRAILS_MW: 50, GATE: 800, CAPTURE: 700}},
            "DOWNLOADER_MIDDLEWARES enables",
        ),
        ({"SPIDER_MIDDLEWARES": {DEPTH_GUARD: 950, CAPTURE: 100}}, "SPIDER_MIDDLEWARES enables"),
        ({"ADDONS": {"tests.crawl.capture.CapturePipeline": 1}}, "ADDONS"),
        (
            {"PLAYWRIGHT_CONTEXTS": {"default": {"record_har_path": "/tmp/pages.har"}}},
            "record_har_path",
        ),
        (
            {"PLAYWRIGHT_CONTEXTS": {"default": {"record_video_dir": "/tmp/video"}}},
            "record_video_dir",
        ),
        ({"PLAYWRIGHT_LAUNCH_OPTIONS": {"traces_dir": "/tmp/traces"}}, "traces_dir"),
        ({"PLAYWRIGHT_LAUNCH_OPTIONS": {"downloads_path": "/tmp/dl"}}, "downloads_path"),
    ],
)
def test_settings_that_write_pages_or_items_outside_the_spool_refuse_the_crawl(
    tmp_path: Path, settings: dict[str, object], named: str
) -> None:
    import json

    from crawler.runtime import StorageSettingsError

    audit = tmp_path / "audit.jsonl"
    with pytest.raises(StorageSettingsError, match=named) as refused:
        prepared(make_policy(tmp_path / "policy"), LCOM_AUDIT_LOG=str(audit), **settings)
    assert "remove" in str(refused.value) or "downloads media" in str(refused.value)
    (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
    assert record["finish_reason"] == "lcom_refused"
    assert named in record["refusal"]


def test_settings_that_would_widen_the_permit_by_the_back_door_are_overridden(
    tmp_path: Path,
) -> None:
    policy = make_policy(tmp_path / "policy", source={"stop_status_codes": [401, 403, 429, 503]})
    crawler, runtime = prepared(
        policy,
        DEFAULT_REQUEST_HEADERS={"User-Agent": "Mozilla/5.0 stealth", "Accept": "text/html"},
        DOWNLOAD_SLOTS={"127.0.0.1": {"delay": 0, "concurrency": 32}},
        CONCURRENT_REQUESTS_PER_IP=32,
        LCOM_KILL_SWITCH_INTERVAL=3600,
        ROBOTSTXT_PARSER="scrapy.robotstxt.PythonRobotParser",
        LOG_FORMATTER="scrapy.logformatter.LogFormatter",
        PLAYWRIGHT_CONTEXTS={"default": {"service_workers": "allow"}},
        PLAYWRIGHT_CDP_URL="http://127.0.0.1:9222",
    )
    settings = crawler.settings
    assert settings.getdict("DEFAULT_REQUEST_HEADERS") == {"Accept": "text/html"}
    assert settings.getdict("DOWNLOAD_SLOTS") == {}
    assert settings.getint("CONCURRENT_REQUESTS_PER_IP") == 0
    assert settings.getfloat("LCOM_KILL_SWITCH_INTERVAL") == 5.0
    assert settings.get("ROBOTSTXT_PARSER") == "scrapy.robotstxt.ProtegoRobotParser"
    assert settings.get("LOG_FORMATTER") == "crawler.logformatter.PrivacyLogFormatter"
    assert not {401, 403, 429, 503} & set(settings.getlist("RETRY_HTTP_CODES"))
    assert settings.getdict("PLAYWRIGHT_CONTEXTS") == {"default": {"service_workers": "block"}}
    assert settings.get("PLAYWRIGHT_CDP_URL") is None
    args = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["args"]
    resolver = [arg for arg in args if arg.startswith("--host-resolver-rules")]
    assert resolver == ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
    assert runtime.permit.allowed_hosts == frozenset({"127.0.0.1"})


def test_every_rendered_page_blocks_service_workers_and_guards_websockets() -> None:
    from crawler.sources import load_source

    page = next(p for p in load_source("demo").pages.values() if p.javascript)
    meta = AdSpider.playwright_meta(page)
    assert meta["playwright_context_kwargs"] == {"service_workers": "block"}
    assert meta["playwright_page_init_callback"] == (
        "crawler.middlewares.guardrails.guard_browser_page"
    )


def test_a_command_line_setting_the_policy_clamps_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = make_policy(tmp_path / "policy")
    with caplog.at_level("WARNING", logger="crawler.runtime"):
        crawler, _ = prepared(policy, CONCURRENT_REQUESTS="32", COOKIES_ENABLED="True")
    assert crawler.settings.getint("CONCURRENT_REQUESTS") == 4
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith("-s CONCURRENT_REQUESTS=32 is outside what the policy allows")
        and "using 4" in m
        for m in messages
    ), messages
    assert any(m.startswith("-s COOKIES_ENABLED=True") for m in messages), messages
    # Settings nobody typed are applied without a word.
    assert not any("DOWNLOAD_DELAY" in m for m in messages)
