"""Golden policy folders: every positive case passes, every negative case fails as expected.

Add a regression case by adding a folder (see new_case.py); nothing else changes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from legal_guardrails import Problem, check_policy, load_policy

EXAMPLES = Path(__file__).resolve().parent / "examples"
POSITIVE = sorted(p for p in (EXAMPLES / "positive").iterdir() if p.is_dir())
NEGATIVE = sorted(p for p in (EXAMPLES / "negative").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", POSITIVE, ids=[p.name for p in POSITIVE])
def test_positive_example_passes_without_errors(case: Path, now: datetime) -> None:
    result = check_policy(case, now)
    assert result.errors == []
    assert load_policy(case, now).version


@pytest.mark.parametrize("case", NEGATIVE, ids=[p.name for p in NEGATIVE])
def test_negative_example_reports_the_expected_error(case: Path, now: datetime) -> None:
    expected = yaml.safe_load((case / "expected.txt").read_text(encoding="utf-8"))
    result = check_policy(case, now)

    assert not result.ok

    def matches(problem: Problem) -> bool:
        for key in ("file", "field", "line"):
            if key in expected and str(getattr(problem, key)) != str(expected[key]):
                return False
        return (
            problem.rule == expected["rule"]
            and expected["message"].lower() in problem.message.lower()
        )

    found = [p for p in result.errors if matches(p)]
    assert found, "\n".join(p.render() + f" [{p.rule}]" for p in result.problems)
    assert all(p.fix for p in result.problems)


def test_there_is_a_negative_example_for_at_least_25_rules() -> None:
    rules = {
        yaml.safe_load((case / "expected.txt").read_text(encoding="utf-8"))["rule"]
        for case in NEGATIVE
    }
    assert len(rules) >= 25


@pytest.mark.parametrize("case", NEGATIVE, ids=[p.name for p in NEGATIVE])
def test_negative_example_has_rule_and_message(case: Path) -> None:
    expected = yaml.safe_load((case / "expected.txt").read_text(encoding="utf-8"))
    assert {"rule", "message"} <= set(expected)
