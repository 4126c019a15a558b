"""Permits: which URLs, which hours, which limits, and when there is no permit at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from legal_guardrails import (
    NotAuthorisedError,
    SourcePermit,
    load_policy,
    read_policy_unchecked,
)

AMS = ZoneInfo("Europe/Amsterdam")
EXAMPLES = Path(__file__).resolve().parent / "examples"
Edit = Callable[[str, str, str], None]


@pytest.fixture
def permit(policy_dir: Path, now: datetime) -> SourcePermit:
    return load_policy(policy_dir, now).permit_for("site", now)


@pytest.mark.parametrize(
    ("url", "allowed", "rule"),
    [
        ("https://www.example.nl/ads/1", True, "allowed"),
        ("http://www.example.nl:8080/ads/1?page=2", True, "allowed"),
        ("https://WWW.Example.NL./ads/1", True, "allowed"),
        ("https://example.nl/ads/1", False, "host"),
        ("https://www.example.nl.evil.org/ads/1", False, "host"),
        ("https://evil.org/ads/1?u=www.example.nl", False, "host"),
        ("https://user:pw@www.example.nl/ads/1", False, "host"),
        ("https://evil.org\\@www.example.nl/ads/1", False, "host"),
        ("https://www.example.nl:notaport/ads/1", False, "host"),
        ("ftp://www.example.nl/ads/1", False, "scheme"),
        ("javascript:alert(1)", False, "scheme"),
        ("https://www.example.nl/login", False, "deny_pattern"),
        ("https://www.example.nl/ads/../login", False, "deny_pattern"),
        ("https://www.example.nl/%6Cogin", False, "deny_pattern"),
        ("https://www.example.nl/ads/%2e%2e/login", False, "deny_pattern"),
        ("https://www.example.nl/ads/%2E%2E/%2E%2E/login", False, "deny_pattern"),
        ("https://www.example.nl/ads/.%2e/login", False, "deny_pattern"),
        ("https://www.example.nl/ads/%252e%252e/login", False, "deny_pattern"),
        ("https://www.example.nl/ads/%2e%2e%2flogin", False, "deny_pattern"),
        ("https://www.example.nl/ads/%2e%2e/about", False, "allow_pattern"),
        ("https://www.example.nl/ads/%2e/1", True, "allowed"),
        ("https://www.example.nl/", False, "allow_pattern"),
        ("https://www.example.nl/about", False, "allow_pattern"),
    ],
)
def test_check_url_applies_scheme_host_deny_and_allow_rules(
    permit: SourcePermit, url: str, allowed: bool, rule: str
) -> None:
    decision = permit.check_url(url)
    assert (decision.allowed, decision.rule) == (allowed, rule)
    assert decision.reason


def test_deny_pattern_wins_over_allow_pattern(policy_dir: Path, edit: Edit, now: datetime) -> None:
    edit("sources/site.yaml", "deny_url_patterns: ['^/login']", "deny_url_patterns: ['/ads/x']")
    permit = load_policy(policy_dir, now).permit_for("site", now)
    assert permit.check_url("https://www.example.nl/ads/x1").rule == "deny_pattern"


def test_without_allow_patterns_any_path_on_an_allowed_host_is_allowed(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("sources/site.yaml", "allow_url_patterns: ['^/ads/']\n", "")
    permit = load_policy(policy_dir, now).permit_for("site", now)
    assert permit.check_url("https://www.example.nl/anything").allowed


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        ("2026-11-27T08:00", True),  # Friday, start of the window
        ("2026-11-27T19:59", True),
        ("2026-11-27T20:00", False),  # the end is exclusive
        ("2026-11-27T07:59", False),
        ("2026-11-28T12:00", False),  # Saturday
    ],
)
def test_within_hours_uses_the_days_and_times_of_the_source(
    permit: SourcePermit, local: str, inside: bool
) -> None:
    assert permit.within_hours(datetime.fromisoformat(local).replace(tzinfo=AMS)) is inside


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        ("2026-11-27T23:30", True),  # Friday night
        ("2026-11-28T05:59", True),  # Saturday early morning, window started Friday
        ("2026-11-28T06:00", False),
        ("2026-11-28T22:00", True),  # Saturday night
        ("2026-11-29T03:00", True),  # Sunday early morning, window started Saturday
        ("2026-11-29T11:00", True),  # Sunday window 10:30-12:00
        ("2026-11-29T23:00", False),  # Sunday night: no window starts on Sunday night
        ("2026-11-27T03:00", False),  # Friday early morning: Thursday has no window
    ],
)
def test_window_that_runs_past_midnight_covers_the_next_morning(
    now: datetime, local: str, inside: bool
) -> None:
    policy = load_policy(EXAMPLES / "positive" / "overnight_hours_unquoted", now)
    permit = policy.permit_for("site", now)
    assert permit.within_hours(datetime.fromisoformat(local).replace(tzinfo=AMS)) is inside


def test_within_hours_converts_other_time_zones_to_the_source_time_zone(
    permit: SourcePermit,
) -> None:
    # 07:30 UTC on a Friday in winter is 08:30 in Amsterdam; in summer it is 09:30.
    assert permit.within_hours(datetime.fromisoformat("2026-11-27T07:30+00:00"))
    assert not permit.within_hours(datetime.fromisoformat("2026-11-27T06:30+00:00"))
    assert permit.within_hours(datetime.fromisoformat("2026-06-05T06:30+00:00"))


def test_source_in_another_time_zone_is_checked_in_its_own_time(now: datetime) -> None:
    policy = load_policy(EXAMPLES / "positive" / "two_sources", now)
    forum = policy.permit_for("forum", now)
    # Saturday 00:30 in Amsterdam is still Friday 23:30 in London: outside the weekend.
    assert not forum.within_hours(datetime(2026, 11, 28, 0, 30, tzinfo=AMS))
    assert forum.within_hours(datetime(2026, 11, 28, 1, 30, tzinfo=AMS))


def test_naive_datetimes_are_refused(permit: SourcePermit) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        permit.within_hours(datetime(2026, 11, 27, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        permit.is_valid_at(datetime(2026, 11, 27, 9, 0))


def test_permit_lasts_until_the_earliest_end(permit: SourcePermit) -> None:
    # The authorisation ends at the end of 2027-05-31, before the review date 2027-06-30.
    assert permit.valid_until == datetime(2027, 6, 1, 0, 0, tzinfo=AMS)
    assert permit.is_valid_at(datetime(2027, 5, 31, 23, 59, tzinfo=AMS))
    assert not permit.is_valid_at(datetime(2027, 6, 1, 0, 0, tzinfo=AMS))
    assert not permit.is_valid_at(datetime(2026, 10, 31, 23, 0, tzinfo=AMS))


def test_permit_records_policy_authorisation_and_basis(
    permit: SourcePermit, policy_dir: Path, now: datetime
) -> None:
    policy = load_policy(policy_dir, now)
    assert permit.authorisation_ids == ("AUTH-1",)
    assert permit.legal_basis_ids == ("basis-a",)
    assert (permit.policy_version, permit.policy_hash) == ("test-1", policy.content_hash)
    assert permit.user_agent == policy.bundle.user_agent
    assert permit.stop_status_codes == {401, 403, 407, 451}


def test_permit_takes_source_values_below_the_ceilings(permit: SourcePermit) -> None:
    assert (permit.requests_per_second, permit.concurrency) == (1, 2)
    assert (permit.pages_per_run, permit.max_depth) == (200, 3)


def test_ceiling_wins_over_a_higher_source_value(now: datetime) -> None:
    # The check rejects this folder; read anyway to see that the permit is clamped.
    policy = read_policy_unchecked(EXAMPLES / "negative" / "ceiling_exceeded", now)
    assert policy.sources["site"].requests_per_second == 5
    assert policy.permit_for("site", now).requests_per_second == 2


@pytest.mark.parametrize(
    ("rel", "old", "new", "reason"),
    [
        ("authorisations.yaml", "status: active", "status: suspended", "is suspended"),
        ("authorisations.yaml", "status: active", "status: revoked", "is revoked"),
        ("authorisations.yaml", "valid_from: 2026-06-01", "valid_from: 2026-12-01", "starts only"),
    ],
)
def test_no_permit_without_an_active_authorisation_valid_now(
    policy_dir: Path, edit: Edit, now: datetime, rel: str, old: str, new: str, reason: str
) -> None:
    edit(rel, old, new)
    policy = load_policy(policy_dir, now)
    with pytest.raises(NotAuthorisedError, match=reason) as caught:
        policy.permit_for("site", now)
    assert caught.value.source_id == "site"


def test_no_permit_after_the_authorisation_ends(policy_dir: Path, now: datetime) -> None:
    policy = load_policy(policy_dir, now)
    with pytest.raises(NotAuthorisedError, match="AUTH-1 ended"):
        policy.permit_for("site", datetime(2027, 6, 1, 0, 0, 1, tzinfo=AMS))
    with pytest.raises(NotAuthorisedError, match="review date"):
        policy.permit_for("site", datetime(2027, 7, 2, tzinfo=AMS))


def test_no_permit_for_an_unknown_source(policy_dir: Path, now: datetime) -> None:
    with pytest.raises(NotAuthorisedError, match="no source"):
        load_policy(policy_dir, now).permit_for("elsewhere", now)


def test_kill_switch_file_stops_every_permit(policy_dir: Path, now: datetime) -> None:
    policy = load_policy(policy_dir, now)
    assert not policy.kill_switch_engaged()
    (policy_dir / "STOP").touch()
    assert policy.kill_switch_engaged()
    with pytest.raises(NotAuthorisedError, match="kill switch"):
        policy.permit_for("site", now)


def test_kill_switch_flag_stops_every_permit(policy_dir: Path, edit: Edit, now: datetime) -> None:
    edit("bundle.yaml", "engaged: false", "engaged: true")
    policy = load_policy(policy_dir, now)
    assert policy.kill_switch_engaged()
    with pytest.raises(NotAuthorisedError, match="kill switch"):
        policy.permit_for("site", now)


@pytest.mark.parametrize(
    "bundle_after",
    [
        lambda text: text.replace("engaged: false", "engaged: true"),
        lambda text: text.replace("engaged: false", "engaged: maybe"),
        lambda text: "kill_switch: [unclosed\n",
        lambda text: "",
    ],
    ids=["flag_set", "flag_unclear", "unreadable", "emptied"],
)
def test_a_running_crawl_sees_the_kill_switch_as_the_bundle_is_now(
    policy_dir: Path, now: datetime, bundle_after: Callable[[str], str]
) -> None:
    policy = load_policy(policy_dir, now)
    assert not policy.kill_switch_engaged_now()
    bundle = policy_dir / "bundle.yaml"
    bundle.write_text(bundle_after(bundle.read_text(encoding="utf-8")), encoding="utf-8")
    assert policy.kill_switch_engaged_now()


def test_a_running_crawl_parses_an_unchanged_bundle_only_once(
    policy_dir: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from legal_guardrails import yamlfile

    parsed: list[str] = []
    real = yamlfile.parse_yaml

    def counting(text: str) -> Any:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(yamlfile, "parse_yaml", counting)
    bundle = policy_dir / "bundle.yaml"
    # Made unique, so that no text parsed by an earlier test is remembered.
    bundle.write_text(bundle.read_text(encoding="utf-8") + f"# {policy_dir}\n", encoding="utf-8")
    policy = load_policy(policy_dir, now)
    parsed.clear()
    assert not any(policy.kill_switch_engaged_now() for _ in range(5))
    assert len(parsed) == 1
    bundle.write_text(bundle.read_text(encoding="utf-8").replace("engaged: false", "engaged: true"))
    assert policy.kill_switch_engaged_now()
    assert len(parsed) == 2


def test_a_running_crawl_sees_an_authorisation_revoked_since_it_started(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    policy = load_policy(policy_dir, now)
    ids = policy.permit_for("site", now).authorisation_ids
    assert policy.withdrawn_authorisations(ids) == {}
    edit("authorisations.yaml", "status: active", "status: revoked")
    assert policy.withdrawn_authorisations(ids) == dict.fromkeys(ids, "revoked")
    (policy_dir / "authorisations.yaml").write_text("authorisations: [", encoding="utf-8")
    assert policy.withdrawn_authorisations(ids) == dict.fromkeys(ids, "unreadable")


def test_absolute_kill_switch_path_is_used_as_given(tmp_path: Path, now: datetime) -> None:
    policy = load_policy(EXAMPLES / "positive" / "kill_switch_absolute_path", now)
    assert policy.kill_switch_path == Path("/run/lcom/STOP")


def test_renewed_authorisation_gives_a_permit_when_the_old_one_expired(now: datetime) -> None:
    policy = load_policy(EXAMPLES / "positive" / "expired_authorisation_kept_as_record", now)
    permit = policy.permit_for("site", now)
    assert permit.authorisation_ids == ("AUTH-1",)
    with pytest.raises(NotAuthorisedError):
        policy.permit_for("site", datetime(2026, 5, 15, tzinfo=AMS))


def test_authorisation_bounded_by_moments_starts_and_ends_at_those_moments(
    now: datetime,
) -> None:
    policy = load_policy(EXAMPLES / "positive" / "moments_with_offsets", now)
    permit = policy.permit_for("site", now)
    assert permit.valid_until == datetime.fromisoformat("2027-05-31T17:00:00+02:00")
