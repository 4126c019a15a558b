"""Retention days from the data policy (``legal_guardrails``) or the command line.

The data policy schema belongs to ``legal_guardrails``
(``data_policy.retention_days``: ``new``, ``relevant``, ``not_relevant``, ``logs``,
``audit``); this module reads it by shape so both ``lcom es setup`` (ILM ``min_age``)
and ``lcom purge`` use the same numbers. Hit review states are the block's
``HIT_STATES`` when it declares them, else every key except ``logs``/``audit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dashboards.build import DEFAULT_RETENTION, Retention
from pipelines.es.errors import EsConfigError

_STATE_KEYS = ("hits_by_state", "by_review_state", "review_state", "review_states", "hits")
_AUDIT_KEYS = ("audit_days", "audit", "audit_log")
_NOT_HIT_STATES = ("logs", "log")
_ROLLOVER_KEYS = ("rollover_days",)


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _as_days(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    for attr in ("days", "retention_days"):
        inner = _get(value, attr)
        if isinstance(inner, int) and not isinstance(inner, bool):
            return inner
    return None


def _plain(obj: Any) -> Any:
    dump = getattr(obj, "model_dump", None)
    return dump() if callable(dump) else obj


def retention_from_data_policy(data_policy: Any) -> Retention:
    """Build a :class:`Retention` from the data policy object (or mapping)."""
    source = _plain(data_policy)
    block = _get(source, "retention")
    if block is None:
        block = _get(source, "retention_days")
    if block is None:
        raise EsConfigError("the data policy has no 'retention' section")
    hit_states = getattr(block, "HIT_STATES", None)
    block = _plain(block)
    if isinstance(hit_states, tuple) and isinstance(block, Mapping):
        block = {
            **{k: block[k] for k in hit_states if k in block},
            **{k: block[k] for k in _AUDIT_KEYS if k in block},
        }
    states_raw: Any = None
    for key in _STATE_KEYS:
        states_raw = _get(block, key)
        if states_raw is not None:
            break
    if states_raw is None:
        states_raw = block
    if not isinstance(states_raw, Mapping):
        raise EsConfigError("data policy retention: expected days per review state")
    states = {
        str(k): d
        for k, v in states_raw.items()
        if k not in _AUDIT_KEYS + _ROLLOVER_KEYS + _NOT_HIT_STATES
        and (d := _as_days(v)) is not None
    }
    if not states:
        raise EsConfigError("data policy retention: no review state with a number of days")
    audit = next(
        (_as_days(_get(block, k)) for k in _AUDIT_KEYS if _get(block, k) is not None), None
    )
    rollover = _as_days(_get(block, "rollover_days"))
    try:
        return Retention(
            hits_by_state=states,
            audit_days=audit or DEFAULT_RETENTION.audit_days,
            rollover_days=rollover or DEFAULT_RETENTION.rollover_days,
        )
    except ValueError as exc:
        raise EsConfigError(f"data policy retention: {exc}") from exc


def retention_from_policy_dir(policy_dir: Path | str) -> Retention:
    """Load the policy bundle with ``legal_guardrails.load_policy`` and read its retention."""
    try:
        from legal_guardrails import load_policy
    except ImportError as exc:
        raise EsConfigError("legal_guardrails.load_policy is not available") from exc
    policy = load_policy(Path(policy_dir))
    return retention_from_data_policy(policy.data_policy)


def parse_retention_args(values: Iterable[str]) -> dict[str, int]:
    """``["new=60", "not_relevant=14"]`` -> ``{"new": 60, "not_relevant": 14}``."""
    result: dict[str, int] = {}
    for value in values:
        state, sep, days = value.partition("=")
        if not sep or not state.strip() or not days.strip().isdigit() or int(days) < 1:
            raise EsConfigError(f"--retention expects STATE=DAYS (positive), got {value!r}")
        result[state.strip()] = int(days)
    return result
