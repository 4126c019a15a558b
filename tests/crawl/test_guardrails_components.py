"""The enforcement components called directly, with a clock the test moves (no crawl)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy import Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.extensions.audit import AuditLog, append_record, refusal_record, run_record
from crawler.extensions.killswitch import KillSwitch, extra_kill_switch_engaged
from crawler.middlewares.guardrails import (
    BrowserRequestGuard,
    Guardrails,
    GuardrailsGate,
    GuardrailsMiddleware,
    OffHostUrlFilter,
    Stop,
    abort_everything,
    loggable_url,
    looks_like_login_wall,
)
from crawler.runtime import MissingRuntimeError
from legal_guardrails import DEMO_POLICY_DIR, load_policy
from legal_guardrails.policy import SourcePermit, Window

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=AMSTERDAM)
BASE = "http://127.0.0.1:8123"


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def permit() -> SourcePermit:
    return load_policy(DEMO_POLICY_DIR, now=NOW).permit_for("demo", now=NOW)


def make(permit: SourcePermit, clock: Clock | None = None, **changes: Any) -> Guardrails:
    blocks: list[str] = []
    stops: list[Stop] = []
    guardrails = Guardrails(
        dataclasses.replace(permit, **changes),
        now=clock or Clock(),
        on_block=blocks.append,
        on_stop=stops.append,
    )
    guardrails.blocks = blocks  # type: ignore[attr-defined]
    guardrails.stops = stops  # type: ignore[attr-defined]
    return guardrails


def test_request_to_an_allowed_page_passes_and_counts_towards_the_page_cap(
    permit: SourcePermit,
) -> None:
    guardrails = make(permit)
    assert guardrails.check_request(f"{BASE}/ads?page=1") is None
    assert guardrails.admit(f"{BASE}/ads?page=1") is None
    assert guardrails.pages_let_through == 1
    assert guardrails.blocks == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://localhost:8123/partner/", "host"),
        ("http://example.org/", "host"),
        (f"{BASE}/members/inbox", "deny_pattern"),
        (f"{BASE}/login?next=/members/", "deny_pattern"),
        ("ftp://127.0.0.1/file", "scheme"),
    ],
)
def test_request_the_permit_refuses_is_blocked_by_its_rule(
    permit: SourcePermit, url: str, rule: str
) -> None:
    guardrails = make(permit)
    assert guardrails.check_request(url) == rule
    assert guardrails.blocks == [rule]  # type: ignore[attr-defined]
    assert guardrails.pages_let_through == 0
    assert guardrails.stopped is None


def test_request_outside_the_allow_patterns_is_blocked(permit: SourcePermit) -> None:
    import re

    guardrails = make(permit, allow_url_patterns=(re.compile(r"^/ads"),))
    assert guardrails.check_request(f"{BASE}/calendar?date=2026-11-01") == "allow_pattern"
    assert guardrails.check_request(f"{BASE}/ads?page=2") is None


def test_robots_txt_fetch_skips_url_patterns_and_page_cap_but_not_the_host(
    permit: SourcePermit,
) -> None:
    import re

    guardrails = make(permit, allow_url_patterns=(re.compile(r"^/ads"),), pages_per_run=1)
    assert guardrails.check_request(f"{BASE}/robots.txt", robots=True) is None
    assert guardrails.admit(f"{BASE}/robots.txt", robots=True) is None
    assert guardrails.pages_let_through == 0
    assert guardrails.check_request("http://localhost:8123/robots.txt", robots=True) == "host"


def test_request_beyond_max_depth_is_blocked(permit: SourcePermit) -> None:
    guardrails = make(permit, max_depth=2)
    assert guardrails.check_request(f"{BASE}/a", depth=2) is None
    assert guardrails.check_request(f"{BASE}/b", depth=3) == "depth"


def test_browser_request_is_blocked_when_the_permit_forbids_javascript(
    permit: SourcePermit,
) -> None:
    assert make(permit).check_request(f"{BASE}/js/", javascript=True) is None
    refusing = make(permit, javascript_rendering=False)
    assert refusing.check_request(f"{BASE}/js/", javascript=True) == "javascript"


def test_page_cap_lets_that_many_requests_through_then_blocks_and_stops(
    permit: SourcePermit,
) -> None:
    guardrails = make(permit, pages_per_run=3)
    assert [guardrails.admit(f"{BASE}/p{i}") for i in range(3)] == [None] * 3
    assert guardrails.admit(f"{BASE}/p3") == "page_cap"
    assert guardrails.stops == [Stop("page_cap", "lcom_page_cap")]  # type: ignore[attr-defined]
    assert guardrails.check_request(f"{BASE}/p4") == "page_cap"
    assert guardrails.admit(f"{BASE}/robots.txt", robots=True) == "page_cap"


def test_request_outside_allowed_hours_is_blocked_and_stops_the_source(
    permit: SourcePermit,
) -> None:
    other_day = frozenset({(NOW.weekday() + 3) % 7})
    guardrails = make(permit, windows=(Window(days=other_day, start=0, end=1440),))
    assert guardrails.check_request(f"{BASE}/") == "hours"
    assert guardrails.stopped == Stop("hours", "lcom_outside_hours")


def test_authorisation_expiring_mid_run_stops_the_source(permit: SourcePermit) -> None:
    clock = Clock()
    guardrails = make(permit, clock, valid_until=NOW + timedelta(seconds=5))
    assert guardrails.check_request(f"{BASE}/") is None
    clock.now = NOW + timedelta(seconds=5)
    assert guardrails.check_request(f"{BASE}/ads") == "authorisation_expired"
    assert guardrails.stops == [  # type: ignore[attr-defined]
        Stop("authorisation_expired", "lcom_authorisation_expired")
    ]


@pytest.mark.parametrize("status", [401, 403, 407, 451])
def test_stop_status_stops_the_source_and_blocks_every_further_request(
    permit: SourcePermit, status: int
) -> None:
    guardrails = make(permit)
    assert guardrails.check_response(f"{BASE}/status/{status}", status, None) == "stop_status"
    assert guardrails.stopped == Stop("stop_status", f"lcom_stop_status_{status}")
    assert guardrails.check_request(f"{BASE}/") == "stop_status"
    assert guardrails.check_browser_request(f"{BASE}/app.js", "script") == "browser_stop_status"


@pytest.mark.parametrize("status", [200, 404, 500])
def test_other_status_does_not_stop_the_source(permit: SourcePermit, status: int) -> None:
    guardrails = make(permit)
    assert guardrails.check_response(f"{BASE}/x", status, b"<html></html>") is None
    assert guardrails.stopped is None


@pytest.mark.parametrize(
    "body",
    [
        b'<form action="/login"><input name="u"><input type="password" name="p"></form>',
        b"<FORM><INPUT TYPE=PASSWORD NAME=pw></FORM>",
        b'<div class="g-recaptcha" data-sitekey="x"></div>',
        b'<div class="h-captcha"></div>',
        b'<div class="cf-turnstile"></div>',
    ],
)
def test_login_or_captcha_page_is_a_login_wall_that_stops_the_source(
    permit: SourcePermit, body: bytes
) -> None:
    assert looks_like_login_wall(body)
    guardrails = make(permit)
    assert guardrails.check_response(f"{BASE}/login", 200, body) == "login_wall"
    assert guardrails.stopped == Stop("login_wall", "lcom_login_wall")


@pytest.mark.parametrize(
    "body",
    [
        b"<p>Forgot your password? Call us.</p>",
        b'<form><input type="text" name="q"></form>',
        b'<input type="passwordless">',
    ],
)
def test_ordinary_page_is_not_a_login_wall(body: bytes) -> None:
    assert not looks_like_login_wall(body)


@pytest.mark.parametrize(
    ("url", "resource_type", "media", "rule"),
    [
        ("http://localhost:8123/static/tracker.js", "script", "none", "browser_host"),
        ("http://localhost:8123/img/ad-00001.png", "image", "none", "browser_host"),
        (f"{BASE}/img/ad-00001.png", "image", "none", "browser_media"),
        (f"{BASE}/fonts/a.woff2", "font", "none", "browser_media"),
        (f"{BASE}/img/ad-00001.png", "image", "hash", None),
        (f"{BASE}/members/x.js", "script", "none", "browser_deny_pattern"),
        (f"{BASE}/js/ad/ad-00001", "document", "none", None),
        (f"{BASE}/app.js", "script", "none", None),
    ],
)
def test_browser_sub_request_is_aborted_unless_the_permit_allows_it(
    permit: SourcePermit, url: str, resource_type: str, media: str, rule: str | None
) -> None:
    guardrails = make(permit)
    guardrails.browser_media = media != "none"
    guard = BrowserRequestGuard(guardrails)
    request = SimpleNamespace(url=url, resource_type=resource_type)
    assert guard(request) is (rule is not None)
    assert guardrails.blocks == ([rule] if rule else [])  # type: ignore[attr-defined]


def test_default_browser_checker_aborts_everything() -> None:
    assert abort_everything(SimpleNamespace(url=f"{BASE}/", resource_type="document"))


@pytest.mark.parametrize(
    ("robots_delay", "honour", "expected"),
    [(None, True, 0.05), (0.01, True, 0.05), (2.0, True, 2.0), (2.0, False, 0.05)],
)
def test_host_delay_is_the_longer_of_the_permit_rate_and_the_crawl_delay(
    permit: SourcePermit, robots_delay: float | None, honour: bool, expected: float
) -> None:
    guardrails = make(permit, requests_per_second=20.0, honour_crawl_delay=honour)
    assert guardrails.crawl_delay_for("127.0.0.1", robots_delay) == pytest.approx(expected)
    assert guardrails.host_delays["127.0.0.1"] == pytest.approx(expected)


def test_a_source_is_stopped_only_once(permit: SourcePermit) -> None:
    guardrails = make(permit)
    assert guardrails.stop("kill_switch")
    assert not guardrails.stop("login_wall")
    assert guardrails.stops == [Stop("kill_switch", "lcom_kill_switch")]  # type: ignore[attr-defined]


@pytest.mark.parametrize("engaged", [True, False])
def test_kill_switch_check_stops_the_source_when_engaged(
    permit: SourcePermit, engaged: bool
) -> None:
    guardrails = make(permit)
    switch = KillSwitch(guardrails, lambda: engaged)
    assert switch.check() == ("kill_switch" if engaged else None)
    assert (guardrails.stopped is not None) is engaged


def test_kill_switch_check_stops_the_source_when_the_authorisation_ends(
    permit: SourcePermit,
) -> None:
    clock = Clock()
    guardrails = make(permit, clock, valid_until=NOW + timedelta(seconds=1))
    switch = KillSwitch(guardrails, lambda: False)
    assert switch.check() is None
    clock.now = NOW + timedelta(seconds=2)
    assert switch.check() == "authorisation_expired"


def test_a_failing_kill_switch_check_counts_as_engaged(permit: SourcePermit) -> None:
    def broken() -> bool:
        raise OSError("cannot read")

    guardrails = make(permit)
    assert KillSwitch(guardrails, broken).check() == "kill_switch"


def test_extra_kill_switch_file_is_engaged_while_it_exists(tmp_path: Path) -> None:
    path = tmp_path / "STOP"
    assert not extra_kill_switch_engaged(path)
    assert not extra_kill_switch_engaged(None)
    path.touch()
    assert extra_kill_switch_engaged(path)


@pytest.mark.parametrize("component", [GuardrailsMiddleware, KillSwitch, AuditLog])
def test_component_without_a_crawl_runtime_fails_instead_of_switching_off(
    component: Any,
) -> None:
    crawler = get_crawler(Spider)
    with pytest.raises(MissingRuntimeError):
        component.from_crawler(crawler)


def test_audit_record_holds_counts_and_provenance_only(permit: SourcePermit) -> None:
    policy = load_policy(DEMO_POLICY_DIR, now=NOW)
    runtime = SimpleNamespace(
        run_id="20261129T110000Z-abc123",
        started_at=NOW,
        source=SimpleNamespace(id="demo"),
        base_url=BASE,
        policy=policy,
        policy_dir=DEMO_POLICY_DIR,
        permit=permit,
        demo=True,
    )
    stats = {
        "downloader/request_count": 12,
        "downloader/response_count": 11,
        "lcom/guardrails/blocked/host": 2,
        "lcom/guardrails/blocked/robots": 3,
        "lcom/ads/extracted": 7,
        "lcom/pipeline/hits": 4,
        "lcom/pipeline/dropped/non_hit": 3,
        "some/other": "text that is not copied",
    }
    record = run_record(runtime, stats, "finished", NOW + timedelta(minutes=1))  # type: ignore[arg-type]
    assert record["run_id"] == "20261129T110000Z-abc123"
    assert record["finish_reason"] == "finished"
    assert record["started_at"] == "2026-11-29T11:00:00Z"
    assert record["finished_at"] == "2026-11-29T11:01:00Z"
    assert record["policy_version"] == policy.version
    assert record["policy_hash"] == policy.content_hash
    assert record["authorisation_ids"] == ["AUTH-DEMO-1"]
    assert record["legal_basis_ids"] == ["demo"]
    assert record["requests"] == 12
    assert record["blocked"] == {"host": 2, "robots": 3}
    assert record["blocked_total"] == 5
    assert (record["items_extracted"], record["hits_stored"]) == (7, 4)
    assert record["dropped"] == {"non_hit": 3}
    assert "text that is not copied" not in json.dumps(record)


def test_audit_records_are_appended_one_json_line_each(tmp_path: Path) -> None:
    path = tmp_path / "var" / "audit.jsonl"
    first = refusal_record("demo", DEMO_POLICY_DIR, "no authorisation", "r1", NOW)
    append_record(path, first)
    append_record(path, {**first, "run_id": "r2"})
    lines = path.read_text().splitlines()
    assert [json.loads(line)["run_id"] for line in lines] == ["r1", "r2"]
    assert json.loads(lines[0])["finish_reason"] == "lcom_refused"


def middleware(guardrails: Guardrails) -> GuardrailsMiddleware:
    return GuardrailsMiddleware(guardrails, SimpleNamespace(), SimpleNamespace())  # type: ignore[arg-type]


def test_gate_sends_the_permits_user_agent_whatever_the_request_carries(
    permit: SourcePermit,
) -> None:
    request = Request(f"{BASE}/ads", headers={"User-Agent": "Mozilla/5.0 stealth"})
    GuardrailsGate(make(permit)).process_request(request)
    assert request.headers[b"User-Agent"] == permit.user_agent.encode()


def test_gate_stops_the_source_on_a_stop_status_before_retry_sees_it(
    permit: SourcePermit,
) -> None:
    guardrails = make(permit, stop_status_codes=frozenset({503}))
    request = Request(f"{BASE}/status/503")
    with pytest.raises(IgnoreRequest):
        GuardrailsGate(guardrails).process_response(request, Response(request.url, status=503))
    assert guardrails.stops == [Stop("stop_status", "lcom_stop_status_503")]  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_robots_txt_that_fails_with_a_server_error_disallows_everything(
    permit: SourcePermit, status: int
) -> None:
    from scrapy.robotstxt import ProtegoRobotParser

    request = Request(f"{BASE}/robots.txt")
    answer = Response(request.url, status=status, body=b"<html>oops</html>")
    replaced = middleware(make(permit)).process_response(request, answer)
    parser = ProtegoRobotParser(replaced.body, None)
    assert not parser.allowed(f"{BASE}/ads", permit.user_agent)


@pytest.mark.parametrize("status", [200, 404])
def test_robots_txt_that_answers_or_is_missing_is_read_as_it_is(
    permit: SourcePermit, status: int
) -> None:
    request = Request(f"{BASE}/robots.txt")
    answer = Response(request.url, status=status, body=b"User-agent: *\nDisallow:\n")
    assert middleware(make(permit)).process_response(request, answer) is answer


def test_robots_txt_that_cannot_be_fetched_blocks_its_host_for_the_run(
    permit: SourcePermit,
) -> None:
    guardrails = make(permit)
    middleware(guardrails).process_exception(
        Request(f"{BASE}/robots.txt"), TimeoutError("timed out")
    )
    assert guardrails.check_request(f"{BASE}/ads") == "robots_unreachable"
    assert guardrails.admit(f"{BASE}/ads") == "robots_unreachable"
    assert guardrails.check_request("http://127.0.0.1:9999/ads") is None  # another host
    assert guardrails.blocks == ["robots_unreachable", "robots_unreachable"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    ["https://wa.me/31612345678", "https://t.me/some_handle?start=1", "mailto:anna@example.org"],
)
def test_off_host_urls_are_logged_without_their_path_or_query(
    permit: SourcePermit, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    safe = loggable_url(url, permit)
    assert safe.endswith("#sha256:" + hashlib.sha256(url.encode()).hexdigest()[:12])
    assert "31612345678" not in safe and "some_handle" not in safe and "anna" not in safe
    caplog.set_level(logging.DEBUG)
    make(permit).block("host", url)
    redirects = logging.getLogger("scrapy.downloadermiddlewares.redirect")
    url_filter = OffHostUrlFilter(permit)
    redirects.addFilter(url_filter)
    try:
        redirects.debug(
            "Redirecting (%(reason)s) to %(redirected)s from %(request)s",
            {"reason": 302, "redirected": url, "request": Request(f"{BASE}/go")},
        )
    finally:
        redirects.removeFilter(url_filter)
    assert caplog.messages
    for message in caplog.messages:
        assert url not in message
    assert f"{BASE}/go" in caplog.messages[-1]


def test_urls_on_the_permits_hosts_are_logged_in_full(permit: SourcePermit) -> None:
    assert loggable_url(f"{BASE}/members/7", permit) == f"{BASE}/members/7"


def test_a_request_robots_txt_disallows_is_blocked_at_the_gate_even_if_it_got_past_scrapy(
    permit: SourcePermit,
) -> None:
    # Scrapy hands the parsed robots.txt to the first request that waited for it and
    # "allow" to the others that waited at the same time; the gate checks again.
    from scrapy.robotstxt import ProtegoRobotParser

    guardrails = make(permit)
    netloc = BASE.split("//", 1)[1]
    guardrails.robots_parsers[netloc] = ProtegoRobotParser(b"User-agent: *\nDisallow: /p/\n", None)
    assert guardrails.admit(f"{BASE}/p/gallery") == "robots"
    assert guardrails.blocks == ["robots"]  # type: ignore[attr-defined]
    assert guardrails.pages_let_through == 0
    assert guardrails.admit(f"{BASE}/ads") is None
    unbound = make(permit, obey_robots_txt=False)
    unbound.robots_parsers[netloc] = guardrails.robots_parsers[netloc]
    assert unbound.admit(f"{BASE}/p/gallery") is None
