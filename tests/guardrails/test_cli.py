"""``lcom guardrails``: output and exit codes of check, explain, diff and schema."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.cli import guardrails
from legal_guardrails import DEMO_POLICY_DIR
from legal_guardrails.schema import SCHEMA_PATH, render_schema, schema_is_current

AT = "2026-11-29T12:00+01:00"
EXAMPLES = Path(__file__).resolve().parent / "examples"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    parser = argparse.ArgumentParser(prog="lcom")
    guardrails.register(parser.add_subparsers(dest="command", required=True))

    def _run(*argv: str) -> tuple[int, str, str]:
        try:
            args = parser.parse_args(["guardrails", *argv])
            code = args.func(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_check_of_a_good_policy_exits_zero(run: Run, policy_dir: Path) -> None:
    code, out, _ = run("check", str(policy_dir), "--at", AT)
    assert code == 0
    assert "can be used" in out
    assert "version test-1" in out


def test_check_prints_file_line_rule_and_fix(run: Run) -> None:
    code, out, _ = run("check", str(EXAMPLES / "negative" / "bad_regex"), "--at", AT)
    assert code == 1
    assert "sources/site.yaml:5:" in out
    assert "[bad_regex] deny_url_patterns[1]:" in out
    assert "    fix: " in out
    assert "CANNOT be used" in out


def test_check_as_json(run: Run) -> None:
    folder = EXAMPLES / "negative" / "malformed_yaml"
    code, out, _ = run("check", str(folder), "--format", "json", "--at", AT)
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert data["problems"][0]["rule"] == "yaml_syntax"
    assert data["problems"][0]["line"] == 13


def test_check_defaults_to_the_policy_dir_from_the_environment(
    run: Run, policy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LCOM_POLICY_DIR", str(policy_dir))
    code, out, _ = run("check", "--at", AT)
    assert code == 0
    assert str(policy_dir) in out


def test_check_of_the_demo_policy_passes(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LCOM_POLICY_DIR", raising=False)
    code, out, _ = run("check", str(DEMO_POLICY_DIR), "--at", AT)
    assert (code, "0 error(s), 0 warning(s)" in out) == (0, True)


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "/nonexistent/policy"),
        ("check", "--at", "tomorrow"),
        ("check", "--format", "xml"),
        ("explain",),
        ("diff", "/nonexistent/a", "/nonexistent/b"),
        (),
    ],
)
def test_usage_errors_exit_two(run: Run, argv: tuple[str, ...]) -> None:
    code, _, _ = run(*argv)
    assert code == 2


def test_a_moment_without_a_zone_is_read_in_the_policy_time_zone(run: Run) -> None:
    # review_by 2027-06-30 lasts until midnight in Europe/Amsterdam (22:00 UTC).
    folder = str(DEMO_POLICY_DIR)
    code, out, _ = run("check", "--policy-dir", folder, "--at", "2027-06-30T23:30")
    assert code == 0, out
    assert "2027-06-30T23:30:00+02:00" in out
    code, out, _ = run("check", "--policy-dir", folder, "--at", "2027-07-01")
    assert code == 1
    assert "review_overdue" in out


def test_the_policy_folder_as_a_positional_argument_still_works_but_is_deprecated(
    run: Run,
) -> None:
    code, _, err = run("explain", "demo", str(DEMO_POLICY_DIR), "--at", AT)
    assert code == 0
    assert "deprecated; use --policy-dir" in err


def test_explain_prints_plain_language_and_exits_zero_when_allowed(run: Run) -> None:
    code, out, _ = run("explain", "demo", str(DEMO_POLICY_DIR), "--at", AT)
    assert code == 0
    assert "May the crawler crawl this source now? YES" in out


def test_explain_exits_one_when_not_authorised(run: Run, policy_dir: Path) -> None:
    auths = policy_dir / "authorisations.yaml"
    auths.write_text(auths.read_text().replace("status: active", "status: suspended"))
    code, out, _ = run("explain", "site", str(policy_dir), "--at", AT)
    assert code == 1
    assert "NO. Every reason:\n  - authorisation AUTH-1 is suspended" in out


def test_explain_of_a_broken_policy_lists_its_problems(run: Run) -> None:
    folder = EXAMPLES / "negative" / "basis_proposed"
    code, out, _ = run("explain", "site", str(folder), "--at", AT)
    assert code == 1
    assert "[basis_proposed]" in out
    # Every reason, not only the policy's errors: the hours too.
    assert "outside the crawl hours" in out


def test_explain_of_an_unknown_source_is_a_usage_error(run: Run, policy_dir: Path) -> None:
    code, _, err = run("explain", "nope", str(policy_dir), "--at", AT)
    assert code == 2
    assert "sources: site" in err


def test_diff_lists_widening_changes_first(run: Run, policy_dir: Path, tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(policy_dir, new)
    source = new / "sources" / "site.yaml"
    source.write_text(source.read_text().replace("concurrency: 2", "concurrency: 1\nmedia: hash"))
    code, out, _ = run("diff", str(policy_dir), str(new))
    assert code == 0
    assert out.index("WIDENS") < out.index("NARROWS")
    assert "source site media: none -> hash" in out


def test_diff_as_json(run: Run, policy_dir: Path) -> None:
    code, out, _ = run("diff", str(policy_dir), str(EXAMPLES / "positive" / "two_sources"),
                       "--format", "json")  # fmt: skip
    assert code == 0
    assert {"kind", "field", "old", "new", "text"} <= set(json.loads(out)[0])


def test_schema_file_matches_the_model(run: Run) -> None:
    assert schema_is_current(), "run: lcom guardrails schema"
    code, _, _ = run("schema", "--check")
    assert code == 0


def test_schema_check_fails_when_the_file_differs(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stale = tmp_path / "policy.schema.json"
    stale.write_text("{}\n")
    assert not schema_is_current(stale)
    monkeypatch.setattr(guardrails, "schema_is_current", lambda: schema_is_current(stale))
    code, _, err = run("schema", "--check")
    assert code == 1
    assert "out of date" in err


def test_schema_describes_every_policy_file() -> None:
    schema = json.loads(render_schema())
    assert {"Bundle", "LegalBases", "Authorisations", "DataPolicy", "Source"} <= set(
        schema["$defs"]
    )
    assert schema["$defs"]["Source"]["additionalProperties"] is False
    assert SCHEMA_PATH.name == "policy.schema.json"
