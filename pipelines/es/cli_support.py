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


def _var_dir() -> Path | None:
    var = _project_setting("LCOM_VAR_DIR")
    return Path(var) if var else None


def default_spool_dir() -> Path:
    """``LCOM_SPOOL_DIR``, else ``<LCOM_VAR_DIR>/spool``, else ``var/spool``."""
    explicit = _project_setting("LCOM_SPOOL_DIR")
    if explicit:
        return Path(explicit)
    var = _var_dir()
    return var / "spool" if var else DEFAULT_SPOOL_DIR


def default_review_db() -> Path:
    """The review workspace's SQLite file: ``<LCOM_VAR_DIR>/review.sqlite``."""
    return (_var_dir() or DEFAULT_SPOOL_DIR.parent) / "review.sqlite"


def default_audit_log() -> Path:
    """``LCOM_AUDIT_LOG``, else ``<LCOM_VAR_DIR>/audit.jsonl``, else ``var/audit.jsonl``."""
    explicit = _project_setting("LCOM_AUDIT_LOG")
    if explicit:
        return Path(explicit)
    var = _var_dir()
    return var / "audit.jsonl" if var else DEFAULT_AUDIT_LOG


def resolve_retention(
    policy_dir: Path | None, overrides: list[str] | None, *, audit_days: int | None = None
) -> tuple[Retention, str]:
    """Retention from the policy bundle (``--policy-dir`` or ``LCOM_POLICY_DIR``), else
    the built-in defaults, with ``--retention STATE=DAYS`` overrides applied on top.

    An override changes only the states it names: ``--retention not_relevant=7`` leaves
    ``new`` and ``relevant`` at the policy's (or the default) retention. Used by
    ``lcom purge`` and by ``lcom es setup`` (ILM) alike.
    Returns the retention and a short description of where it came from.
    """
    if policy_dir is None:
        configured = os.environ.get("LCOM_POLICY_DIR")
        policy_dir = Path(configured) if configured else None
    if policy_dir is not None:
        base = retention_from_policy_dir(policy_dir)
        origin = f"data policy in {policy_dir}"
    else:
        base = DEFAULT_RETENTION
        origin = "built-in defaults (pass --policy-dir to use the data policy)"
    states = dict(base.hits_by_state)
    if overrides:
        changed = parse_retention_args(overrides)
        states.update(changed)
        origin += f", with --retention for {', '.join(sorted(changed))}"
    retention = Retention(
        hits_by_state=states,
        audit_days=audit_days or base.audit_days,
        rollover_days=base.rollover_days,
    )
    return retention, origin
