"""The demo site in the foreground: ``python -m crawler.demosite`` and ``lcom demo-site``."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from crawler.cli import demosite as demosite_cli
from crawler.demosite import DemoSite

ROOT = Path(__file__).resolve().parents[2]

# The sub-command alone, without the other sub-commands of ``lcom``.
LCOM_DEMO_SITE = (
    "import argparse, sys\n"
    "from crawler.cli import demosite\n"
    "parser = argparse.ArgumentParser(prog='lcom')\n"
    "demosite.register(parser.add_subparsers(dest='command'))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.func(args))\n"
)
ENTRY_POINTS = {
    "python -m crawler.demosite": [sys.executable, "-m", "crawler.demosite"],
    "lcom demo-site": [sys.executable, "-c", LCOM_DEMO_SITE, "demo-site"],
}


def start(command: list[str]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A suite started in the background by a shell inherits Ctrl-C ignored, and so
        # would the server: give it the terminal's default, as when a user starts it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_demo_site_subcommand_registers_its_options() -> None:
    parser = argparse.ArgumentParser(prog="lcom")
    demosite_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["demo-site", "--port", "0", "--ads", "10", "--seed", "3", "--crawl-delay", "0.2"]
    )
    assert args.func is demosite_cli.run
    assert (args.port, args.ads, args.seed, args.crawl_delay, args.slow_seconds) == (
        0,
        10,
        3,
        0.2,
        3.0,
    )


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_foreground_server_prints_its_url_and_stops_on_ctrl_c(entry: str) -> None:
    args = ["--port", "0", "--ads", "12", "--seed", "3", "--crawl-delay", "0.5"]
    process = start([*ENTRY_POINTS[entry], *args])
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first_line)
        assert match, first_line
        with urllib.request.urlopen(match.group(0) + "robots.txt", timeout=10) as response:
            assert "Crawl-delay: 0.5" in response.read().decode()
        with urllib.request.urlopen(match.group(0) + "_truth.json", timeout=10) as response:
            assert b'"ad-00012"' in response.read()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_foreground_server_reports_a_busy_port() -> None:
    with DemoSite(ads=10) as running:
        process = start([*ENTRY_POINTS["python -m crawler.demosite"], "--port", str(running.port)])
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert f"cannot listen on 127.0.0.1:{running.port}" in stderr
