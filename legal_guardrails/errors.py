"""The exception vocabulary of the policy package.

Every exception derives from :class:`GuardrailError`; callers that only want to know
"may we crawl?" catch that one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from legal_guardrails.problems import Problem


class GuardrailError(Exception):
    """Root of every error raised by :mod:`legal_guardrails`."""


class PolicyValidationError(ValueError, GuardrailError):
    """The policy folder has at least one error, so it must not be used (fail closed).

    ``problems`` holds every problem found (errors and warnings), ``path`` the folder.
    """

    def __init__(self, path: Path, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        first = errors[0].render() if errors else "no details"
        super().__init__(f"policy {path} cannot be used: {len(errors)} error(s); first: {first}")


class NotAuthorisedError(GuardrailError):
    """No authorisation allows crawling the source at the moment asked about."""

    def __init__(self, source_id: str, reason: str) -> None:
        self.source_id = source_id
        self.reason = reason
        super().__init__(f"source {source_id!r} may not be crawled: {reason}")
