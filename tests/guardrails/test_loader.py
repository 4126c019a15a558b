"""Reading and checking a policy folder: fail closed, report everything, cache nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from legal_guardrails import (
    GuardrailError,
    PolicyValidationError,
    check_policy,
    load_policy,
)

Edit = Callable[[str, str, str], None]


def test_load_policy_refuses_a_policy_with_errors(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("legal_bases.yaml", "status: in_force", "status: proposed")
    with pytest.raises(PolicyValidationError) as caught:
        load_policy(policy_dir, now)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, GuardrailError)
    assert [p.rule for p in caught.value.problems if p.severity == "error"] == ["basis_proposed"]
    assert "basis_proposed" not in str(caught.value)
    assert "only proposed" in str(caught.value)


def test_check_reports_every_problem_not_just_the_first(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("bundle.yaml", "version:", "versoin:")
    edit("sources/site.yaml", "timezone: Europe/Amsterdam", "timezone: Mars/Olympus")
    edit("sources/site.yaml", "['^/login']", "['^/login(']")
    edit("data_policy.yaml", "derive_origin: false", "derive_origin: false\nnon_hits: keep")
    rules = {p.rule for p in check_policy(policy_dir, now).errors}
    assert {
        "unknown_field",
        "missing_field",
        "bad_timezone",
        "bad_regex",
        "non_hits_not_configurable",
    } <= rules


def test_unknown_field_names_the_fields_allowed_there(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("bundle.yaml", "  concurrency: 4", "  concurency: 4")
    problem = next(p for p in check_policy(policy_dir, now).errors if p.rule == "unknown_field")
    assert problem.field == "ceilings.concurency"
    assert problem.line == 12
    assert "concurrency" in problem.fix


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"- just\n- a list\n",
        b"\xff\xfe not utf-8",
        b"a: [unclosed\n",
        b"---\na: 1\n---\nb: 2\n",
    ],
    ids=["empty", "list", "binary", "unclosed", "two-documents"],
)
def test_check_never_raises_for_a_broken_file(
    policy_dir: Path, now: datetime, content: bytes
) -> None:
    (policy_dir / "bundle.yaml").write_bytes(content)
    result = check_policy(policy_dir, now)
    assert not result.ok
    assert all(p.file == "bundle.yaml" for p in result.errors)


def test_missing_folder_is_reported_not_raised(tmp_path: Path, now: datetime) -> None:
    result = check_policy(tmp_path / "nowhere", now)
    assert [p.rule for p in result.errors] == ["missing_folder"]
    with pytest.raises(PolicyValidationError):
        load_policy(tmp_path / "nowhere", now)


def test_check_requires_a_timezone_aware_now(policy_dir: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_policy(policy_dir, datetime(2026, 11, 29, 12, 0))


def test_content_hash_is_stable_and_changes_with_any_edit(
    policy_dir: Path, edit: Edit, now: datetime, tmp_path: Path
) -> None:
    first = load_policy(policy_dir, now).content_hash
    copy = tmp_path / "copy"
    shutil.copytree(policy_dir, copy)
    assert load_policy(copy, now).content_hash == first
    edit("sources/site.yaml", "max_depth: 3", "max_depth: 2")
    assert load_policy(policy_dir, now).content_hash != first


def test_an_edited_file_counts_at_the_next_load(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    assert load_policy(policy_dir, now).sources["site"].max_depth == 3
    edit("sources/site.yaml", "max_depth: 3", "max_depth: 1")
    assert load_policy(policy_dir, now).sources["site"].max_depth == 1


def test_files_other_than_yaml_are_ignored(policy_dir: Path, now: datetime) -> None:
    (policy_dir / "NOTES.md").write_text("Reviewed on 2026-11-01.\n")
    (policy_dir / "sources" / "README.txt").write_text("one file per site\n")
    assert check_policy(policy_dir, now).ok


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('from: "08:00", until: "20:00"', "from: 08:00, until: 20:00", ("08:00", "20:00")),
        ('from: "08:00", until: "20:00"', "from: 8:00, until: 20:00", None),
    ],
)
def test_times_are_read_as_written_even_without_quotes(
    policy_dir: Path, edit: Edit, now: datetime, old: str, new: str, expected: object
) -> None:
    edit("sources/site.yaml", old, new)
    result = check_policy(policy_dir, now)
    if expected is None:
        assert [p.rule for p in result.errors] == ["bad_time"]
    else:
        window = load_policy(policy_dir, now).sources["site"].crawl_hours[0]
        assert (window.start, window.end) == expected


def test_yes_and_no_are_not_booleans(policy_dir: Path, edit: Edit, now: datetime) -> None:
    # With plain YAML 1.1 "NO" would silently become false.
    edit("authorisations.yaml", 'issued_by: "C. Bakker"', "issued_by: NO")
    assert load_policy(policy_dir, now).authorisations["AUTH-1"].issued_by == "NO"


def test_warnings_do_not_stop_a_policy_from_loading(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("sources/site.yaml", "concurrency: 2", "concurrency: 2\nstop_status_codes: [401, 403]")
    result = check_policy(policy_dir, now)
    assert result.ok
    assert [p.rule for p in result.warnings] == ["stop_code_removed"]
    assert load_policy(policy_dir, now).warnings == tuple(result.warnings)


def test_review_date_close_by_is_a_warning(policy_dir: Path, edit: Edit, now: datetime) -> None:
    edit("bundle.yaml", "review_by: 2027-06-30", "review_by: 2026-12-10")
    edit("authorisations.yaml", "valid_until: 2027-05-31", "valid_until: 2026-12-10")
    result = check_policy(policy_dir, now)
    assert result.ok
    assert "review_soon" in {p.rule for p in result.warnings}


def test_check_result_serialises_to_json(policy_dir: Path, edit: Edit, now: datetime) -> None:
    edit("sources/site.yaml", "max_depth: 3", "max_depth: 9")
    data = json.loads(json.dumps(check_policy(policy_dir, now).to_dict()))
    assert data["ok"] is False
    assert data["version"] == "test-1"
    (problem,) = data["problems"]
    assert problem == {
        "severity": "error",
        "file": "sources/site.yaml",
        "line": 6,
        "column": 1,
        "field": "max_depth",
        "message": problem["message"],
        "fix": problem["fix"],
        "rule": "ceiling_exceeded",
    }


def test_a_window_cannot_start_at_the_end_of_the_day(
    policy_dir: Path, edit: Edit, now: datetime
) -> None:
    edit("sources/site.yaml", 'from: "08:00"', 'from: "24:00"')
    (problem,) = check_policy(policy_dir, now).errors
    assert (problem.rule, problem.field) == ("bad_time", "crawl_hours[1].from")


def test_the_policy_package_does_not_import_scrapy() -> None:
    code = "import sys, legal_guardrails; sys.exit('scrapy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_nested_yaml_aliases_are_refused_without_being_expanded(
    policy_dir: Path, now: datetime
) -> None:
    # Nine levels of ten aliases each: a billion values if anything expanded them.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("kill_switch: [" + ", ".join(["*a8"] * 10) + "]")
    (policy_dir / "bundle.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check_policy(policy_dir, now)
    problems = [p for p in result.problems if p.rule == "yaml_alias"]
    assert [(p.file, p.line) for p in problems] == [("bundle.yaml", 1)]
    assert "in full" in problems[0].fix
