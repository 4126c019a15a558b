"""Helpers shared by the ``es``, ``spool`` and ``purge`` sub-commands (no argparse here)."""

from __future__ import annotations

import os
from pathlib import Path

from dashboards.build import DEFAULT_RETENTION, Retention
from pipelines.es.audit import DEFAULT_AUDIT_LOG
from pipelines.es.retention import parse_retention_args, retention_from_policy_dir
from pipelines.es.spool import DEFAULT_SPOOL_DIR


def _project_setting(name: str) -> str | None:
    value = os.environ.get(name)
    if value:
        return value
    try:
        from crawler import settings  # the crawler's settings module, when present
    except ImportError:
        return None
    found = getattr(settings, name, None)
    return str(found) if found else None


def default_spool_dir() -> Path:
    """``LCOM_SPOOL_DIR`` from the environment or the crawler settings, else ``var/spool``."""
    return Path(_project_setting("LCOM_SPOOL_DIR") or DEFAULT_SPOOL_DIR)


def default_audit_log() -> Path:
    """``LCOM_AUDIT_LOG`` from the environment or the crawler settings, else ``var/audit.jsonl``."""
    return Path(_project_setting("LCOM_AUDIT_LOG") or DEFAULT_AUDIT_LOG)


def resolve_retention(
    policy_dir: Path | None, overrides: list[str] | None, *, audit_days: int | None = None
) -> tuple[Retention, str]:
    """Retention from ``--retention`` overrides, else the policy bundle, else the defaults.

    Returns the retention and a short description of where it came from.
    """
    if overrides:
        states = parse_retention_args(overrides)
        base = DEFAULT_RETENTION
        origin = "--retention"
    elif policy_dir is not None:
        base = retention_from_policy_dir(policy_dir)
        states = dict(base.hits_by_state)
        origin = f"data policy in {policy_dir}"
    else:
        base = DEFAULT_RETENTION
        states = dict(base.hits_by_state)
        origin = "built-in defaults (pass --policy-dir to use the data policy)"
    retention = Retention(
        hits_by_state=states,
        audit_days=audit_days or base.audit_days,
        rollover_days=base.rollover_days,
    )
    return retention, origin
