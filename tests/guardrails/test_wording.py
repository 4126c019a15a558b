"""Messages a lawyer can read: plain YAML errors, entries counted from 1, text as written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from legal_guardrails import check_policy, explain_source, load_policy
from tests.guardrails.conftest import Edit


def test_an_unquoted_star_gets_a_plain_explanation_and_its_line(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("sources/site.yaml", "deny_url_patterns: ['^/login']", "deny_url_patterns:\n  - *")
    (problem,) = check_policy(policy_dir, now).errors
    assert problem.rule == "yaml_syntax"
    assert "starts with '*'" in problem.message and "between quotes" in problem.message
    assert problem.file == "sources/site.yaml" and problem.line is not None


def test_list_entries_are_counted_from_one(policy_dir: Path, edit: Edit, now: datetime) -> None:
    edit(
        "sources/site.yaml", "deny_url_patterns: ['^/login']", "deny_url_patterns: ['^/login', '(']"
    )
    (problem,) = check_policy(policy_dir, now).errors
    assert problem.field == "deny_url_patterns[2]"


def test_explain_shows_patterns_as_written(policy_dir: Path, edit: Edit, now: datetime) -> None:
    edit("sources/site.yaml", "deny_url_patterns: ['^/login']", r"deny_url_patterns: ['^/ad/\d+']")
    text = explain_source(load_policy(policy_dir, now), "site", now)
    assert r"'^/ad/\d+'" in text
    assert r"\\d" not in text
