"""The deployment files in ``deploy/`` are syntactically valid."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from cronsim import CronSim

from crawler.cli import build_parser

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def lcom_args(command: str) -> list[str]:
    """The ``lcom`` arguments of a command line that runs ``.../bin/lcom ...``."""
    words = shlex.split(command.split(">>")[0])
    return words[[w.endswith("/lcom") for w in words].index(True) + 1 :]


def test_the_crontab_line_is_valid_cron_and_a_valid_lcom_command() -> None:
    jobs = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(jobs) == 1
    fields = jobs[0].split(None, 5)
    CronSim(" ".join(fields[:5]), datetime.now(UTC))  # raises on a bad expression
    args = build_parser().parse_args(lcom_args(fields[5]))
    assert args.command == "schedule" and args.once


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed here, so the units cannot be verified",
)
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    lcom = Path(sys.executable).parent / "lcom"
    for unit in (DEPLOY / "systemd").iterdir():
        # verify checks that ExecStart exists: point it at this checkout's lcom.
        text = unit.read_text().replace("/opt/lcom/.venv/bin/lcom", str(lcom))
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr, result.stderr
    for name in ("lcom-schedule.service", "lcom-schedule-once.service"):
        exec_start = next(
            line
            for line in (tmp_path / name).read_text().splitlines()
            if line.startswith("ExecStart=")
        )
        args = build_parser().parse_args(lcom_args(exec_start.partition("=")[2]))
        assert args.command == "schedule"


def test_the_kubernetes_cronjob_parses_and_runs_one_scheduler_pass() -> None:
    job = yaml.safe_load((DEPLOY / "kubernetes" / "cronjob.yaml").read_text())
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "CronJob"
    spec = job["spec"]
    CronSim(spec["schedule"], datetime.now(UTC))
    assert spec["concurrencyPolicy"] == "Forbid"
    container = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    args = build_parser().parse_args(container["args"])
    assert args.command == "schedule" and args.once
