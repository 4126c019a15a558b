"""Comparing two policy versions: what widens, what narrows."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from legal_guardrails import Change, diff_policies, load_policy

Edit = Callable[[str, str, str], None]


@pytest.fixture
def old_dir(policy_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "old"
    shutil.copytree(policy_dir, target)
    return target


def kinds(changes: list[Change]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for change in changes:
        out.setdefault(change.field, set()).add(change.kind)
    return out


def test_identical_policies_have_no_differences(old_dir: Path, policy_dir: Path) -> None:
    assert diff_policies(old_dir, policy_dir) == []


@pytest.mark.parametrize(
    ("rel", "old", "new", "field", "kind"),
    [
        (
            "sources/site.yaml",
            "[www.example.nl]",
            "[www.example.nl, example.nl]",
            "sources.site.allowed_hosts",
            "widens",
        ),
        (
            "sources/site.yaml",
            "requests_per_second: 1",
            "requests_per_second: 0.5",
            "sources.site.requests_per_second",
            "narrows",
        ),
        (
            "sources/site.yaml",
            "concurrency: 2",
            "concurrency: 2\nobey_robots_txt: false",
            "sources.site.obey_robots_txt",
            "widens",
        ),
        (
            "sources/site.yaml",
            "concurrency: 2",
            "concurrency: 2\njavascript_rendering: true",
            "sources.site.javascript_rendering",
            "widens",
        ),
        (
            "sources/site.yaml",
            "concurrency: 2",
            "concurrency: 2\nmedia: hash",
            "sources.site.media",
            "widens",
        ),
        (
            "sources/site.yaml",
            "['^/login']",
            "['^/login', '^/profile']",
            "sources.site.deny_url_patterns",
            "narrows",
        ),
        (
            "sources/site.yaml",
            "allow_url_patterns: ['^/ads/']\n",
            "",
            "sources.site.allow_url_patterns",
            "widens",
        ),
        (
            "sources/site.yaml",
            'until: "20:00"',
            'until: "22:00"',
            "sources.site.crawl_hours",
            "widens",
        ),
        ("sources/site.yaml", "fri]", "thu]", "sources.site.crawl_hours", "narrows"),
        (
            "authorisations.yaml",
            "valid_until: 2027-05-31",
            "valid_until: 2027-05-30",
            "authorisations.AUTH-1.valid_until",
            "narrows",
        ),
        (
            "authorisations.yaml",
            "status: active",
            "status: suspended",
            "authorisations.AUTH-1.status",
            "narrows",
        ),
        (
            "data_policy.yaml",
            "derive_origin: false",
            "derive_origin: true",
            "data_policy.derive_origin",
            "widens",
        ),
        (
            "data_policy.yaml",
            "relevant: 365",
            "relevant: 180",
            "data_policy.retention_days.relevant",
            "narrows",
        ),
        ("data_policy.yaml", "review]", "review, city]", "data_policy.stored_fields", "widens"),
        (
            "data_policy.yaml",
            "audit: 730}",
            "audit: 730}\nlinking: {keep_non_hit_observations: true}",
            "data_policy.linking.keep_non_hit_observations",
            "widens",
        ),
        (
            "data_policy.yaml",
            "audit: 730}",
            "audit: 730}\nlinking: {non_hit_observation_days: 30}",
            "data_policy.linking.non_hit_observation_days",
            "widens",
        ),
        (
            "bundle.yaml",
            "pages_per_run: 500",
            "pages_per_run: 900",
            "bundle.ceilings.pages_per_run",
            "widens",
        ),
        ("bundle.yaml", "engaged: false", "engaged: true", "bundle.kill_switch.engaged", "narrows"),
        (
            "legal_bases.yaml",
            "maximum_duration_days: 365",
            "maximum_duration_days: 730",
            "legal_bases.basis-a.maximum_duration_days",
            "widens",
        ),
        (
            "bundle.yaml",
            '"Baseline for the golden tests."',
            '"Typo fixed."',
            "bundle.change_reason",
            "neutral",
        ),
    ],
)
def test_diff_classifies_each_change(
    old_dir: Path, policy_dir: Path, edit: Edit,
    rel: str, old: str, new: str, field: str, kind: str,
) -> None:  # fmt: skip
    edit(rel, old, new)
    assert kinds(diff_policies(old_dir, policy_dir)).get(field) == {kind}


def test_longer_validity_widens_and_is_listed_first(
    old_dir: Path, policy_dir: Path, edit: Edit
) -> None:
    edit("authorisations.yaml", "valid_until: 2027-05-31", "valid_until: 2027-06-30")
    edit("bundle.yaml", '"Baseline for the golden tests."', '"Extend."')
    changes = diff_policies(old_dir, policy_dir)
    assert changes[0].kind == "widens"
    assert changes[0].field == "authorisations.AUTH-1.valid_until"
    # Dates are shown as written, not as the instant their day ends.
    assert changes[0].text == "authorisation AUTH-1 ends: 2027-05-31 -> 2027-06-30"


def test_new_source_widens_and_accepts_loaded_policies(old_dir: Path, now: datetime) -> None:
    new = Path(__file__).resolve().parent / "examples" / "positive" / "two_sources"
    changes = diff_policies(load_policy(old_dir, now), load_policy(new, now))
    assert any(c.field == "sources" and c.kind == "widens" and "forum" in c.text for c in changes)


def test_expired_old_version_can_still_be_compared(old_dir: Path, policy_dir: Path) -> None:
    # diff reads paths without the time-dependent rules: an old version has often expired.
    (old_dir / "bundle.yaml").write_text(
        (old_dir / "bundle.yaml").read_text().replace("2027-06-30", "2026-11-02")
    )
    changes = diff_policies(old_dir, policy_dir)
    assert kinds(changes)["bundle.review_by"] == {"widens"}
