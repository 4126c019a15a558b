"""Read a policy folder, check it, and build a :class:`Policy` from it.

``check_policy`` collects every problem and never raises for a bad policy;
``load_policy`` refuses (fails closed) unless that check has no error.
Nothing is cached: every call reads the files again, so an edited file always counts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import typing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from legal_guardrails.errors import PolicyValidationError
from legal_guardrails.model import (
    FILE_MODELS,
    SOURCES_FOLDER,
    Authorisations,
    Bundle,
    DataPolicy,
    LegalBases,
    Source,
)
from legal_guardrails.policy import Policy
from legal_guardrails.problems import CheckResult, Problem, Severity
from legal_guardrails.timeutil import aware_now
from legal_guardrails.yamlfile import YamlDocument, YamlPath, parse_yaml

logger = logging.getLogger(__name__)

#: The policy shipped with the code; it authorises only the local demo site.
DEMO_POLICY_DIR = Path(__file__).resolve().parent / "policies" / "demo"
POLICY_DIR_ENV = "LCOM_POLICY_DIR"


def default_policy_dir() -> Path:
    """``$LCOM_POLICY_DIR`` when set, else the bundled demo policy."""
    configured = os.environ.get(POLICY_DIR_ENV, "").strip()
    return Path(configured) if configured else DEMO_POLICY_DIR


def render_path(path: YamlPath) -> str:
    """``('authorisations', 0, 'valid_until')`` -> ``authorisations[1].valid_until``.

    List entries are counted from 1, as a reader counts them (the first authorisation
    is ``authorisations[1]``).
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class PolicyFiles:
    """What was read from a policy folder: parsed models (None when a file failed)."""

    path: Path
    docs: dict[str, YamlDocument] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    bundle: Bundle | None = None
    legal_bases: LegalBases | None = None
    authorisations: Authorisations | None = None
    data_policy: DataPolicy | None = None
    sources: dict[str, Source] = field(default_factory=dict)
    source_files: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every file parsed into its model, so cross-file rules and a Policy can run."""
        return None not in (self.bundle, self.legal_bases, self.authorisations, self.data_policy)

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for rel in sorted(self.contents):
            digest.update(rel.encode())
            digest.update(b"\0")
            digest.update(hashlib.sha256(self.contents[rel]).digest())
        return digest.hexdigest()

    def add(
        self,
        rel: str,
        path: YamlPath,
        rule: str,
        message: str,
        fix: str,
        severity: Severity = "error",
        anchor: YamlPath | None = None,
    ) -> None:
        """Record a problem at ``path``; ``anchor`` gives the line when ``path`` is absent."""
        doc = self.docs.get(rel)
        line, column = None, None
        if doc is not None:
            where = path if path in doc.positions or anchor is None else anchor
            line, column = doc.position(where)
        self.problems.append(
            Problem(
                severity=severity,
                file=rel,
                line=line,
                column=column,
                field=render_path(path),
                message=message,
                fix=fix,
                rule=rule,
            )
        )


def _allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names (as written in YAML) of the block at ``loc`` inside ``model``."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        found = None
        for name, info in current.model_fields.items():
            if (info.alias or name) == part:
                found = info.annotation
        current = _inner_model(found)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


_FIX_BY_TYPE = {
    "greater_than": "Use a number above {gt}.",
    "greater_than_equal": "Use a number of at least {ge}.",
    "less_than": "Use a number below {lt}.",
    "less_than_equal": "Use a number of at most {le}.",
    "int_parsing": "Write a whole number, without quotes or units.",
    "int_from_float": "Write a whole number, without decimals.",
    "int_type": "Write a whole number, without quotes or units.",
    "float_parsing": "Write a number, such as 2 or 0.5, without units.",
    "float_type": "Write a number, such as 2 or 0.5, without units.",
    "bool_parsing": "Write true or false.",
    "bool_type": "Write true or false.",
    "string_type": "Write text here (put it between quotes if it looks like a number or date).",
    "list_type": "Write a list here: one entry per line, each starting with '- '.",
    "model_type": "Write a block of fields here (each 'name: value' on its own indented line).",
    "dict_type": "Write a block of fields here (each 'name: value' on its own indented line).",
    "finite_number": "Write an ordinary number.",
}


def _pydantic_problems(
    files: PolicyFiles, rel: str, model: type[BaseModel], error: ValidationError
) -> None:
    doc = files.docs[rel]
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        ctx = item.get("ctx") or {}
        value = item.get("input")
        if kind == "extra_forbidden":
            allowed = ", ".join(_allowed_fields(model, loc[:-1]))
            files.add(
                rel,
                loc,
                "unknown_field",
                f"'{loc[-1]}' is not a field the policy knows",
                f"Remove it or correct its spelling. Fields allowed here: {allowed}.",
            )
        elif kind == "missing":
            files.add(
                rel,
                loc,
                "missing_field",
                f"the required field '{loc[-1]}' is missing",
                f"Add '{loc[-1]}:' with a value here; nothing is assumed for it.",
            )
        elif "fix" in ctx:
            files.add(rel, doc.deepest_known(loc) or loc, kind, item["msg"], str(ctx["fix"]))
        elif kind == "literal_error":
            files.add(
                rel,
                loc,
                "invalid_value",
                f"'{value}' is not one of the allowed values",
                f"Use one of: {ctx.get('expected', '')}.",
            )
        elif kind in ("string_too_short", "too_short"):
            what = "is empty" if kind == "string_too_short" else "needs at least one entry"
            files.add(
                rel,
                loc,
                "empty_value",
                f"'{loc[-1]}' {what}",
                "Fill it in; an empty value is never read as permission.",
            )
        else:
            fix = _FIX_BY_TYPE.get(kind, "Correct the value.").format(**ctx)
            shown = loc[-1] if loc else "value"
            files.add(
                rel,
                doc.deepest_known(loc) or loc,
                "invalid_value",
                f"'{value}' is not valid for '{shown}': {item['msg'].lower()}",
                fix,
            )


#: The only settings about non-hits a policy may make: whether the link store may note
#: their pseudonym, city, date and document id, and for how long (never the ads).
_LINKING_NON_HIT_FIELDS: frozenset[YamlPath] = frozenset(
    {("linking", "keep_non_hit_observations"), ("linking", "non_hit_observation_days")}
)


def _strip_non_hit_settings(files: PolicyFiles, rel: str, data: Any, path: YamlPath) -> Any:
    """Report and remove any attempt to configure the storage of non-hits."""
    if isinstance(data, dict):
        kept = {}
        for key, value in data.items():
            here = (*path, str(key))
            normalised = str(key).lower().replace("-", "").replace("_", "").replace(" ", "")
            if "nonhit" in normalised and here not in _LINKING_NON_HIT_FIELDS:
                if path == ("linking",):
                    files.add(
                        rel,
                        here,
                        "non_hits_not_configurable",
                        f"'{key}' is not a linking setting: about ads without a trafficking "
                        "signal a policy can only say whether the link store may note their "
                        "contact pseudonym, city, date and document id, and for how long",
                        "Use keep_non_hit_observations (true or false) and "
                        "non_hit_observation_days (1 to 30); the ads themselves are never "
                        "stored.",
                    )
                    continue
                files.add(
                    rel,
                    here,
                    "non_hits_not_configurable",
                    f"'{key}' tries to configure ads without a trafficking signal (non-hits); "
                    "they are never stored, and this cannot be changed in a policy: the "
                    "software drops them before anything is written, because keeping data "
                    "about people with no link to an offence would not be necessary",
                    "Delete this line. Only hits are ever stored, for the retention periods "
                    "set under retention_days.",
                )
                continue
            kept[key] = _strip_non_hit_settings(files, rel, value, here)
        return kept
    if isinstance(data, list):
        return [_strip_non_hit_settings(files, rel, v, (*path, i)) for i, v in enumerate(data)]
    return data


def _read_file(files: PolicyFiles, rel: str, model: type[BaseModel]) -> BaseModel | None:
    path = files.path / rel
    try:
        raw = path.read_bytes()
    except OSError as exc:
        files.add(
            rel,
            (),
            "unreadable_file",
            f"the file cannot be read ({exc.strerror})",
            "Check that the file exists and may be read.",
        )
        return None
    files.contents[rel] = raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        files.add(
            rel,
            (),
            "yaml_syntax",
            "the file is not UTF-8 text",
            "Save the file as UTF-8 text (the default of most editors).",
        )
        return None
    doc = parse_yaml(text)
    files.docs[rel] = doc
    for issue in doc.issues:
        files.problems.append(
            Problem(
                severity="error",
                file=rel,
                line=issue.line,
                column=issue.column,
                field=render_path(issue.path),
                message=issue.message,
                fix=issue.fix,
                rule=issue.rule,
            )
        )
    if doc.data is None and not doc.issues:
        files.add(rel, (), "empty_file", "the file is empty", "Fill in the fields it needs.")
        return None
    if doc.issues and doc.data is None:
        return None
    if not isinstance(doc.data, dict):
        files.add(
            rel,
            (),
            "not_a_mapping",
            "the file must consist of 'name: value' lines",
            "Start the file with field names such as 'version:', not with a list or text.",
        )
        return None
    data = _strip_non_hit_settings(files, rel, doc.data, ())
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        _pydantic_problems(files, rel, model, exc)
        return None
    return None if doc.issues else parsed


def read_policy_files(path: Path | str) -> PolicyFiles:
    """Read and parse every file of the policy folder; problems are collected, not raised."""
    files = PolicyFiles(path=Path(path))
    root = files.path
    if not root.is_dir():
        files.add(
            ".",
            (),
            "missing_folder",
            f"the policy folder {root} does not exist",
            "Give the folder that holds bundle.yaml.",
        )
        return files
    for entry in sorted(root.iterdir()):
        if entry.is_file() and entry.suffix in (".yaml", ".yml") and entry.name not in FILE_MODELS:
            expected = entry.stem + ".yaml"
            hint = (
                f"Rename it to {expected}."
                if expected in FILE_MODELS
                else f"Known files are {', '.join(FILE_MODELS)} and {SOURCES_FOLDER}/<id>.yaml; "
                "rename or move it (a misspelt file would otherwise be silently ignored)."
            )
            files.add(entry.name, (), "unknown_file", f"{entry.name} is not a policy file", hint)
    for rel, model in FILE_MODELS.items():
        if not (root / rel).is_file():
            files.add(
                rel,
                (),
                "missing_file",
                f"{rel} is missing",
                f"Add {rel}; the policy cannot be used without it.",
            )
            continue
        parsed = _read_file(files, rel, model)
        setattr(files, rel.removesuffix(".yaml"), parsed)
    sources_dir = root / SOURCES_FOLDER
    if sources_dir.is_dir():
        for entry in sorted(sources_dir.iterdir()):
            if not entry.is_file() or entry.suffix not in (".yaml", ".yml"):
                continue
            rel = f"{SOURCES_FOLDER}/{entry.name}"
            if entry.suffix == ".yml":
                files.add(
                    rel,
                    (),
                    "unknown_file",
                    f"{rel} has the extension .yml",
                    f"Rename it to {SOURCES_FOLDER}/{entry.stem}.yaml.",
                )
                continue
            source = _read_file(files, rel, Source)
            if not isinstance(source, Source):
                # Its own errors are reported; do not also call it missing.
                files.source_files.setdefault(entry.stem, rel)
                continue
            if source.id != entry.stem:
                files.add(
                    rel,
                    ("id",),
                    "source_id_mismatch",
                    f"the source id '{source.id}' does not match the file name {entry.name}",
                    f"Use id: {entry.stem}, or rename the file to {source.id}.yaml.",
                )
                continue
            files.sources[source.id] = source
            files.source_files[source.id] = rel
    return files


def _assemble(files: PolicyFiles, now: datetime, problems: list[Problem]) -> Policy:
    assert files.bundle and files.legal_bases and files.authorisations and files.data_policy
    return Policy(
        path=files.path,
        content_hash=files.content_hash(),
        bundle=files.bundle,
        legal_bases={b.id: b for b in files.legal_bases.legal_bases},
        authorisations={a.id: a for a in files.authorisations.authorisations},
        sources=dict(files.sources),
        data_policy=files.data_policy,
        checked_at=now,
        warnings=tuple(p for p in problems if p.severity == "warning"),
    )


def _check(path: Path | str, now: datetime) -> tuple[PolicyFiles, list[Problem]]:
    from legal_guardrails.rules import apply_rules

    files = read_policy_files(path)
    if files.complete:
        apply_rules(files, now)
    problems = sorted(files.problems, key=Problem.sort_key)
    return files, problems


def check_policy(path: Path | str, now: datetime | None = None) -> CheckResult:
    """Check everything in the policy folder at ``now`` (default: the current instant).

    Returns every problem found; raises nothing for a bad policy. ``now`` must carry a
    time zone.
    """
    when = aware_now(now)
    files, problems = _check(path, when)
    result = CheckResult(
        path=Path(path),
        checked_at=when,
        problems=problems,
        version=files.bundle.version if files.bundle else None,
        content_hash=files.content_hash() if files.contents else None,
    )
    logger.debug(
        "checked policy %s: %d error(s), %d warning(s)",
        path,
        len(result.errors),
        len(result.warnings),
    )
    return result


def load_policy(path: Path | str, now: datetime | None = None) -> Policy:
    """The policy in ``path``, or :class:`PolicyValidationError` if it has any error."""
    when = aware_now(now)
    files, problems = _check(path, when)
    if any(p.severity == "error" for p in problems) or not files.complete:
        raise PolicyValidationError(Path(path), problems)
    policy = _assemble(files, when, problems)
    logger.info(
        "loaded policy %s version %s (sha256 %s)", path, policy.version, policy.content_hash[:12]
    )
    return policy


def read_policy_unchecked(path: Path | str, now: datetime | None = None) -> Policy:
    """The policy in ``path`` even if rules fail (e.g. it expired); for comparing versions.

    Raises :class:`PolicyValidationError` only when a file cannot be read into its model.
    Never use the result to crawl.
    """
    when = aware_now(now)
    files = read_policy_files(path)
    if not files.complete or any(p.severity == "error" for p in files.problems):
        raise PolicyValidationError(Path(path), sorted(files.problems, key=Problem.sort_key))
    return _assemble(files, when, [])
