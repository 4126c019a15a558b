"""Exit codes of the ``lcom`` commands, the contract a scheduler acts on.

cron, systemd timers and Kubernetes CronJobs read only the exit status of a run, so each
outcome they must treat differently has its own code. The README lists them for operators.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """How an ``lcom`` command ended."""

    #: The command did what it was asked; a crawl finished without alerts.
    OK = 0
    #: The command failed: an unexpected error, an unreachable service, lost output.
    FAILED = 1
    #: Bad usage or configuration: unknown source, unreadable file, invalid YAML.
    USAGE = 2
    #: The guardrails refused the run before anything was fetched (the message names the rule).
    REFUSED = 3
    #: A crawl finished, but run monitoring raised at least one alert.
    ALERTS = 4
    #: Interrupted by the operator (Ctrl-C); a resumable job can be run again to continue.
    INTERRUPTED = 130
