"""The plain-language explanation of what the crawler may do on a source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from legal_guardrails import DEMO_POLICY_DIR, explain_source, load_policy

Edit = Callable[[str, str, str], None]


def test_explanation_names_authorisation_basis_and_every_limit(now: datetime) -> None:
    text = explain_source(load_policy(DEMO_POLICY_DIR, now), "demo", now)
    for fragment in (
        "crawl this source now? YES",
        "Authorisation AUTH-DEMO-1",
        "public prosecutor",
        "until the end of 31 October 2027",
        "Demonstration only — no real data",
        "Only these host names: 127.0.0.1",
        "'^/members(/|$)'",
        "every day from 00:00 to 24:00",
        "At most 20 requests per second, 4 at the same time",
        "At most 400 pages per run",
        "20 steps",
        "robots.txt is obeyed",
        "crawl delay asked for in robots.txt is honoured",
        "runs their JavaScript",
        "Images are never downloaded",
        "Ads without one are never stored",
        "'origin' indicator (where a person is said to come from) may be derived",
        "Hits nobody has reviewed yet: kept 60 days",
        "Kill switch: not engaged",
    ):
        assert fragment in text


def test_explanation_says_no_and_why_when_not_authorised(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("authorisations.yaml", "status: active", "status: suspended")
    text = explain_source(load_policy(policy_dir, now), "site", now)
    assert "crawl this source now? NO. Every reason:\n  - authorisation AUTH-1 is suspended" in text
    assert "Only these host names: www.example.nl" in text


def test_explanation_of_robots_exception_gives_justification_and_approvers(
    now: datetime,
) -> None:
    folder = Path(__file__).resolve().parent / "examples" / "positive" / "robots_off_justified"
    text = explain_source(load_policy(folder, now), "site", now)
    assert "robots.txt is NOT obeyed" in text
    assert "owner agreed in writing" in text
    assert "A. de Jong (legal counsel" in text


@pytest.mark.parametrize(
    ("when", "fragment"),
    [
        (datetime.fromisoformat("2026-11-27T10:00+01:00"), "inside these hours"),
        (datetime.fromisoformat("2026-11-28T10:00+01:00"), "outside these hours"),
    ],
)
def test_explanation_says_whether_now_is_inside_the_crawl_hours(
    policy_dir: Path, when: datetime, fragment: str
) -> None:
    text = explain_source(load_policy(policy_dir, when), "site", when)
    assert fragment in text
    assert "on Monday, Tuesday, Wednesday, Thursday, Friday from 08:00 to 20:00" in text


def test_explanation_of_unknown_source_lists_the_known_ones(
    policy_dir: Path, now: datetime
) -> None:
    text = explain_source(load_policy(policy_dir, now), "nope", now)
    assert "no source 'nope'" in text
    assert "site" in text


def test_explanation_says_ads_without_a_signal_leave_no_trace_by_default(
    policy_dir: Path, now: datetime
) -> None:
    text = explain_source(load_policy(policy_dir, now), "site", now)
    assert "OFF: ads without a signal leave no trace at all" in text


def test_explanation_of_non_hit_observations_says_what_is_noted_and_for_how_long(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit(
        "data_policy.yaml",
        "audit: 730}",
        "audit: 730}\nlinking: {keep_non_hit_observations: true, non_hit_observation_days: 7}",
    )
    text = explain_source(load_policy(policy_dir, now), "site", now)
    for fragment in (
        "only its contact pseudonym, its city, the date and a document id",
        "never its text, the name, a phone number",
        "erased 7 days after the ad was last seen",
        "see 'Linking ads' below",
    ):
        assert fragment in text
