"""An authorisation that ends stops only the sources it covers, and is announced in time."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from legal_guardrails import NotAuthorisedError, check_policy, explain_source, load_policy
from tests.guardrails.conftest import EXAMPLES, Edit

LAPSED = EXAMPLES / "positive" / "lapsed_authorisation_stops_only_its_source"


def test_a_lapsed_authorisation_is_a_warning_not_a_policy_error(now: datetime) -> None:
    result = check_policy(LAPSED, now)
    assert result.ok
    lapsed = [p for p in result.warnings if p.rule == "authorisation_expired"]
    assert [p.message for p in lapsed] == [
        "authorisation 'AUTH-1' ended on 2026-08-31; source 'site' still relies on it "
        "and is not crawled"
    ]
    assert any(p.rule == "source_not_authorised" and "'site'" in p.message for p in result.warnings)


def test_the_other_source_keeps_its_permit(now: datetime) -> None:
    policy = load_policy(LAPSED, now)
    assert policy.permit_for("forum", now).authorisation_ids == ("AUTH-2",)
    with pytest.raises(NotAuthorisedError, match="AUTH-1 ended on"):
        policy.permit_for("site", now)
    text = explain_source(policy, "site", now)
    assert "crawl this source now? NO. Every reason:\n  - authorisation AUTH-1 ended on" in text
    assert "The policy has errors" not in text


@pytest.mark.parametrize(("days_left", "warned"), [(6, True), (30, True), (31, False)])
def test_an_authorisation_ending_within_the_warning_period_is_announced(
    policy_dir: Path, edit: Edit, now: datetime, days_left: int, warned: bool
) -> None:
    end = (now + timedelta(days=days_left)).date()
    edit("authorisations.yaml", "valid_until: 2027-05-31", f"valid_until: {end}")
    result = check_policy(policy_dir, now)
    assert result.ok
    soon = [p for p in result.warnings if p.rule == "authorisation_ends_soon"]
    assert bool(soon) is warned
    policy = load_policy(policy_dir, now)
    text = explain_source(policy, "site", now)
    assert (f"authorisation AUTH-1 ends in {days_left} days" in text) is warned
    if warned:
        assert f"ends at the end of {end} (in {days_left} days)" in soon[0].message


def test_the_warning_period_is_set_in_the_bundle(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    end = (now + timedelta(days=6)).date()
    edit("authorisations.yaml", "valid_until: 2027-05-31", f"valid_until: {end}")
    edit("bundle.yaml", "timezone:", "warning_days: 0\ntimezone:")
    result = check_policy(policy_dir, now)
    assert result.ok
    assert not [p for p in result.warnings if p.rule == "authorisation_ends_soon"]
    assert load_policy(policy_dir, now).warnings_for("site", now) == []
