"""Problems found in a policy folder, and the result of checking one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with (or worth knowing about) a policy folder.

    ``file`` is relative to the policy folder (``sources/demo.yaml``); ``line`` and
    ``column`` are 1-based; ``field`` is a dotted path with list entries counted from 1
    (``authorisations[1].valid_until`` is the first authorisation's);
    ``fix`` says in plain language what to change; ``rule`` is a short stable id.
    """

    severity: Severity
    file: str
    line: int | None
    field: str
    message: str
    fix: str
    rule: str
    column: int | None = None

    def location(self) -> str:
        where = self.file or "."
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def render(self) -> str:
        field_part = f" ({self.field})" if self.field else ""
        return f"{self.location()}{field_part}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.rule)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything a check found; ``ok`` is true only when no problem is an error."""

    path: Path
    checked_at: datetime
    problems: list[Problem] = field(default_factory=list)
    version: str | None = None
    content_hash: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "path": str(self.path),
            "checked_at": self.checked_at.isoformat(),
            "version": self.version,
            "content_hash": self.content_hash,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
        }
