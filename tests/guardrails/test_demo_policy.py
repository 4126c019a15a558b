"""The bundled demo policy and the source template."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from legal_guardrails import DEMO_POLICY_DIR, SourcePermit, check_policy, load_policy

TEMPLATE = DEMO_POLICY_DIR.parent / "templates" / "source.yaml"


@pytest.fixture
def demo(now: datetime) -> SourcePermit:
    return load_policy(DEMO_POLICY_DIR, now).permit_for("demo", now)


def test_demo_policy_checks_clean(now: datetime) -> None:
    assert check_policy(DEMO_POLICY_DIR, now).problems == []


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8123/", True),
        ("http://127.0.0.1:8123/ads/ad-00042.html", True),
        ("http://127.0.0.1:8123/calendar/2026/11/29", True),
        ("http://localhost:8123/ads/ad-00042.html", False),
        ("http://127.0.0.1:8123/members/", False),
        ("http://127.0.0.1:8123/members", False),
        ("http://127.0.0.1:8123/login?next=/", False),
    ],
)
def test_demo_permit_allows_only_the_public_pages_of_127_0_0_1(
    demo: SourcePermit, url: str, allowed: bool
) -> None:
    assert demo.check_url(url).allowed is allowed


def test_demo_permit_limits(demo: SourcePermit, now: datetime) -> None:
    assert (demo.pages_per_run, demo.max_depth) == (400, 20)
    assert (demo.requests_per_second, demo.concurrency) == (20, 4)
    assert (demo.obey_robots_txt, demo.honour_crawl_delay) == (True, True)
    assert (demo.javascript_rendering, demo.media) == (True, "none")
    assert demo.timezone == "Europe/Amsterdam"
    assert demo.within_hours(now.replace(hour=0, minute=0))
    assert demo.within_hours(now.replace(hour=23, minute=59))


def test_demo_data_policy_allows_origin_and_stores_no_names(now: datetime) -> None:
    data = load_policy(DEMO_POLICY_DIR, now).data_policy
    assert data.derive_origin is True
    assert "name" not in data.stored_fields
    assert data.retention_days.for_state("relevant") == 365


def test_demo_authorisation_covers_2026_01_01_to_2027_10_31(now: datetime) -> None:
    auth = load_policy(DEMO_POLICY_DIR, now).authorisations["AUTH-DEMO-1"]
    assert (str(auth.valid_from), str(auth.valid_until)) == ("2026-01-01", "2027-10-31")


def test_source_template_is_complete_but_not_authorised(policy_dir: Path, now: datetime) -> None:
    shutil.copy(TEMPLATE, policy_dir / "sources" / "example-ads.yaml")
    result = check_policy(policy_dir, now)
    assert [p.rule for p in result.errors] == ["unknown_authorisation"]
