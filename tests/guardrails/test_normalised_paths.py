"""Deny patterns judge the path the server resolves, case-insensitively by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from legal_guardrails import load_policy
from legal_guardrails.permit import normalise_url
from tests.crawl.conftest import make_policy

BASE = "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("written", "resolved"),
    [
        ("//private/", "/private/"),
        ("/./private/", "/private/"),
        ("/x/../private/", "/private/"),
        ("/%2e/private/", "/private/"),
        ("/%2E%2E/private/x", "/private/x"),
        ("/%70rivate/", "/private/"),
        ("/a//b/./c/../d?q=/../x", "/a/b/d?q=/../x"),
        ("/ads/anna%20x", "/ads/anna%20x"),  # a reserved escape stays as it is
        ("/ads?page=1", "/ads?page=1"),
    ],
)
def test_urls_are_normalised_as_the_server_resolves_them(written: str, resolved: str) -> None:
    assert normalise_url(BASE + written) == BASE + resolved
    assert normalise_url(normalise_url(BASE + written)) == BASE + resolved


@pytest.mark.parametrize(
    "path", ["/members/inbox", "/Members/inbox", "/MEMBERS", "//members/", "/x/../Members/"]
)
def test_deny_patterns_are_case_insensitive_by_default(tmp_path: Path, path: str) -> None:
    permit = load_policy(make_policy(tmp_path / "policy")).permit_for("demo")
    decision = permit.check_url(BASE + path)
    assert (decision.allowed, decision.rule) == (False, "deny_pattern")


def test_the_policy_can_make_deny_patterns_case_sensitive(tmp_path: Path) -> None:
    policy = make_policy(tmp_path / "policy", source={"deny_url_patterns_case_sensitive": True})
    permit = load_policy(policy).permit_for("demo")
    assert not permit.check_url(BASE + "/members/inbox").allowed
    assert permit.check_url(BASE + "/Members/inbox").allowed
