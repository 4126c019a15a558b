"""Schedules fire at the right times, and never outside crawl hours or authorisations.

A fake clock steps through time and asks the same question ``lcom schedule`` asks on
every pass (``SourceSchedule.due``); the fire times it collects are compared with the
expected ones, across both daylight-saving changes of Europe/Amsterdam.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from crawler.cli import main
from crawler.scheduling import SourceSchedule
from legal_guardrails import DEMO_POLICY_DIR, Policy, load_policy

AMS = ZoneInfo("Europe/Amsterdam")
GRACE = timedelta(hours=1)


def policy_copy(
    tmp: Path, *, source: dict[str, Any] | None = None, auth: dict[str, Any] | None = None
) -> Path:
    folder = tmp / "policy"
    shutil.copytree(DEMO_POLICY_DIR, folder)
    # A version in force for all of 2026, so both daylight-saving changes fall inside it.
    bundle = folder / "bundle.yaml"
    bundle.write_text(
        bundle.read_text().replace("effective_from: 2026-11-01", "effective_from: 2026-01-01")
    )
    if source:
        path = folder / "sources" / "demo.yaml"
        data = yaml.safe_load(path.read_text())
        data.update(source)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    if auth:
        path = folder / "authorisations.yaml"
        data = yaml.safe_load(path.read_text())
        data["authorisations"][0].update(auth)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def load(folder: Path, at: datetime) -> Policy:
    return load_policy(folder, now=at)


def simulate(
    schedule: SourceSchedule, start: datetime, end: datetime, step: timedelta
) -> list[datetime]:
    """A fake clock ticking from ``start`` to ``end``: the fire times the scheduler runs."""
    fired: list[datetime] = []
    now = start
    while now < end:
        fire = schedule.due(now, fired[-1] if fired else None, GRACE)
        if fire is not None:
            fired.append(fire)
        now += step
    return fired


HOURS_8_TO_20 = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "08:00", "until": "20:00"}
]


def test_an_hourly_schedule_fires_only_inside_the_crawl_hours(tmp_path: Path) -> None:
    at = datetime(2026, 12, 7, 0, 0, tzinfo=AMS)
    policy = load(policy_copy(tmp_path, source={"crawl_hours": HOURS_8_TO_20}), at)
    schedule = SourceSchedule.build("demo", "0 * * * *", policy)
    fired = simulate(schedule, at, at + timedelta(days=2), timedelta(minutes=5))
    local = [f.astimezone(AMS) for f in fired]
    assert [f.hour for f in local] == list(range(8, 20)) * 2
    assert all(schedule.within_hours(f) and schedule.authorised(f) for f in fired)


def test_a_night_window_past_midnight_is_honoured(tmp_path: Path) -> None:
    hours = [{"days": ["sat"], "from": "22:00", "until": "02:00"}]
    at = datetime(2026, 12, 4, 12, 0, tzinfo=AMS)  # a Friday
    policy = load(policy_copy(tmp_path, source={"crawl_hours": hours}), at)
    schedule = SourceSchedule.build("demo", "30 */2 * * *", policy)
    fired = simulate(schedule, at, at + timedelta(days=3), timedelta(minutes=10))
    assert [f.astimezone(AMS).strftime("%a %H:%M") for f in fired] == [
        "Sat 22:30",
        "Sun 00:30",
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Spring forward, Sunday 29 March 2026: 02:00-03:00 does not exist. cron's rule:
        # 02:30 fires at 03:00 CEST, which is inside a 02:00-04:00 window.
        (
            datetime(2026, 3, 28, 12, tzinfo=AMS),
            ["2026-03-29 03:00 +0200", "2026-03-30 02:30 +0200"],
        ),
        # Fall back, Sunday 25 October 2026: 02:30 happens twice; it fires once.
        (
            datetime(2026, 10, 24, 12, tzinfo=AMS),
            ["2026-10-25 02:30 +0200", "2026-10-26 02:30 +0100"],
        ),
    ],
)
def test_daylight_saving_changes_in_amsterdam(
    tmp_path: Path, day: datetime, expected: list[str]
) -> None:
    hours = [
        {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "from": "02:00",
            "until": "04:00",
        }
    ]
    policy = load(policy_copy(tmp_path, source={"crawl_hours": hours}), day)
    schedule = SourceSchedule.build("demo", "30 2 * * *", policy)
    fired = simulate(schedule, day, day + timedelta(days=2), timedelta(minutes=5))
    assert [f.astimezone(AMS).strftime("%Y-%m-%d %H:%M %z") for f in fired] == expected


def test_a_schedule_in_utc_is_judged_on_the_instant_across_the_dst_change(tmp_path: Path) -> None:
    # 07:30 UTC is 08:30 in winter but 09:30 in summer; the window is 09:00-10:00 local.
    hours = [
        {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "from": "09:00",
            "until": "10:00",
        }
    ]
    start = datetime(2026, 3, 27, 0, tzinfo=UTC)
    policy = load(policy_copy(tmp_path, source={"crawl_hours": hours}), start)
    schedule = SourceSchedule.build("demo", "30 7 * * *", policy, timezone="UTC")
    fired = simulate(schedule, start, start + timedelta(days=4), timedelta(minutes=5))
    assert [f.astimezone(AMS).strftime("%m-%d %H:%M") for f in fired] == [
        "03-29 09:30",
        "03-30 09:30",
    ]


def test_nothing_fires_outside_the_authorisation_window(tmp_path: Path) -> None:
    auth = {"valid_from": "2026-12-08", "valid_until": "2026-12-09"}
    at = datetime(2026, 12, 6, tzinfo=AMS)
    policy = load(policy_copy(tmp_path, auth=auth), at)
    schedule = SourceSchedule.build("demo", "0 */6 * * *", policy)
    fired = simulate(schedule, at, at + timedelta(days=5), timedelta(minutes=15))
    local = [f.astimezone(AMS).strftime("%d %H") for f in fired]
    assert local == ["08 00", "08 06", "08 12", "08 18", "09 00", "09 06", "09 12", "09 18"]
    assert schedule.why_not(datetime(2026, 12, 10, 12, tzinfo=AMS)).startswith(
        "authorisation AUTH-DEMO-1 expired"
    )
    assert schedule.next_fires(datetime(2026, 12, 10, tzinfo=AMS)) == []


def test_a_missed_fire_runs_late_only_within_the_grace_and_inside_the_hours(tmp_path: Path) -> None:
    at = datetime(2026, 12, 7, 9, 0, tzinfo=AMS)
    policy = load(policy_copy(tmp_path, source={"crawl_hours": HOURS_8_TO_20}), at)
    schedule = SourceSchedule.build("demo", "0 9 * * *", policy)
    assert schedule.due(at + timedelta(minutes=50), None, GRACE) == at
    assert schedule.due(at + timedelta(minutes=70), None, GRACE) is None
    assert schedule.due(at + timedelta(minutes=10), at, GRACE) is None  # already handled
    late = SourceSchedule.build("demo", "55 19 * * *", policy)
    assert late.due(datetime(2026, 12, 7, 20, 5, tzinfo=AMS), None, GRACE) is None


def write_source(folder: Path, cron: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((Path("crawler/sources/demo.yaml")).read_text())
    data["schedule"] = {"cron": cron}
    (folder / "demo.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_guardrails_check_warns_of_a_schedule_that_never_fires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_copy(tmp_path, source={"crawl_hours": HOURS_8_TO_20})
    monkeypatch.setenv("LCOM_SOURCES_DIR", str(write_source(tmp_path / "sources", "0 3 * * *")))
    at = "2026-12-07T12:00:00+01:00"
    assert (
        main(["guardrails", "check", "--policy-dir", str(policy), "--at", at, "--format", "json"])
        == 0
    )
    problems = json.loads(capsys.readouterr().out)["problems"]
    warning = next(p for p in problems if p["rule"] == "schedule_never_fires")
    assert warning["severity"] == "warning"
    assert warning["file"] == "sources/demo.yaml"
    assert "'0 3 * * *'" in warning["message"]
    assert "08:00-20:00" in warning["message"] and "AUTH-DEMO-1" in warning["message"]


def test_guardrails_check_is_quiet_about_a_schedule_that_fires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_copy(tmp_path, source={"crawl_hours": HOURS_8_TO_20})
    monkeypatch.setenv("LCOM_SOURCES_DIR", str(write_source(tmp_path / "sources", "0 9 * * *")))
    assert (
        main(
            [
                "guardrails",
                "check",
                "--policy-dir",
                str(policy),
                "--at",
                "2026-12-07T12:00:00+01:00",
            ]
        )
        == 0
    )
    assert "schedule_never_fires" not in capsys.readouterr().out


def test_schedule_list_shows_next_runs_and_why_a_source_will_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_copy(tmp_path, source={"crawl_hours": HOURS_8_TO_20})
    sources = write_source(tmp_path / "sources", "0 */4 * * *")
    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path / "var"))
    args = ["schedule", "--list", "--policy-dir", str(policy), "--sources-dir", str(sources)]
    assert main([*args, "--at", "2026-12-07T21:00:00+01:00"]) == 0
    out = capsys.readouterr().out
    assert "demo: cron '0 */4 * * *' (Europe/Amsterdam)" in out
    assert "next: Tue 2026-12-08 08:00 CET" in out
    assert "will not run: not now:" in out and "outside the crawl hours" in out
    # Kill switch and an expired authorisation are named too.
    bundle = policy / "bundle.yaml"
    bundle.write_text(bundle.read_text().replace("engaged: false", "engaged: true"))
    assert main([*args, "--at", "2027-08-01T12:00:00+02:00"]) == 0
    out = capsys.readouterr().out
    assert "will not run: policy" in out or "kill switch" in out
