"""Read one policy YAML file and remember where every key is.

The policy is read with a restricted YAML dialect so that what a lawyer writes is what
the crawler sees: ``12:30`` stays the text "12:30" (plain YAML 1.1 would turn it into the
number 750), ``0755`` stays decimal, and only ``true``/``false`` are booleans (so a
country code ``NO`` is not read as "false"). Duplicate keys are reported instead of the
last one silently winning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

#: A path into a YAML document: mapping keys (str) and list positions (int).
YamlPath = tuple[str | int, ...]


class _PolicyLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like scalars (see module docstring)."""


_PolicyLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag
        not in (
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"),
    list("-+0123456789"),
)
_PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


@dataclass(frozen=True, slots=True)
class YamlIssue:
    """A problem found while reading the file itself (syntax, duplicate key)."""

    rule: str
    message: str
    fix: str
    line: int | None
    column: int | None
    path: YamlPath = ()


@dataclass(slots=True)
class YamlDocument:
    """The parsed data plus the 1-based (line, column) of every key and list item."""

    data: Any
    positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    issues: list[YamlIssue] = field(default_factory=list)

    def position(self, path: YamlPath) -> tuple[int | None, int | None]:
        """Line and column of ``path``, or of the nearest enclosing entry that exists."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found is not None:
                return found
        return None, None

    def deepest_known(self, path: YamlPath) -> YamlPath:
        """The longest prefix of ``path`` that exists in the file."""
        for end in range(len(path), -1, -1):
            if tuple(path[:end]) in self.positions:
                return tuple(path[:end])
        return ()


def _index(doc: YamlDocument, node: yaml.Node, path: YamlPath) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            here = (*path, key)
            line = key_node.start_mark.line + 1
            column = key_node.start_mark.column + 1
            if key in seen:
                doc.issues.append(
                    YamlIssue(
                        rule="duplicate_key",
                        message=(
                            f"'{key}' appears twice in the same block (first on line "
                            f"{seen[key]}); only one of the two values would count"
                        ),
                        fix=f"Keep a single '{key}:' entry here and delete the other one.",
                        line=line,
                        column=column,
                        path=here,
                    )
                )
                continue
            seen[key] = line
            doc.positions[here] = (line, column)
            _index(doc, value_node, here)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            here = (*path, position)
            doc.positions[here] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _index(doc, item, here)


_PLAIN_SYNTAX = (
    (
        "while scanning an alias",
        "a value starts with '*', which YAML reads as a shortcut to another value; "
        "put the value between quotes, for example - '*' or pattern: '*.jpg'",
    ),
    (
        "while scanning an anchor",
        "a value starts with '&', which YAML reads as a label for a shortcut; "
        "put the value between quotes, for example '&more'",
    ),
    (
        "that cannot start any token",
        "a value starts with a character YAML reserves ('@', '`' or '%'); "
        "put the value between quotes",
    ),
    ("expected <block end>", "the indentation of this line does not match the lines above"),
    ("mapping values are not allowed", "a ':' appears where a new line or quotes are needed"),
    ("found character '\\t'", "a tab is used for indentation; use spaces"),
    ("found unexpected end of stream", "a quote or bracket is opened but never closed"),
    ("could not find expected ':'", "a line is missing its ':' or a quote is not closed"),
)


def _plain_syntax_message(technical: str) -> str:
    for marker, plain in _PLAIN_SYNTAX:
        if marker in technical:
            return f"{plain} (YAML says: {technical})"
    return technical


def _first_anchor_or_alias(text: str) -> yaml.Event | None:
    """The first ``&anchor`` or ``*alias`` in ``text``, read as events (nothing expanded)."""
    loader = _PolicyLoader(text)
    try:
        while loader.check_event():
            event: yaml.Event = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return event
    finally:
        loader.dispose()
    return None


def _alias_issue(event: yaml.Event) -> YamlDocument:
    mark = event.start_mark
    return YamlDocument(
        data=None,
        issues=[
            YamlIssue(
                rule="yaml_alias",
                message=(
                    "the file uses a YAML shortcut ('&name' or '*name') that repeats a value "
                    "written elsewhere; policy files must say everything where it applies"
                ),
                fix="Write the value out in full here and remove the '&' and '*' markers.",
                line=mark.line + 1 if mark is not None else None,
                column=mark.column + 1 if mark is not None else None,
            )
        ],
    )


def parse_yaml(text: str) -> YamlDocument:
    """Parse ``text``; syntax errors come back as issues, never as exceptions.

    Anchors and aliases are refused before the document is built: a few lines of
    nested aliases would otherwise expand to billions of values.
    """
    loader = _PolicyLoader(text)
    try:
        shortcut = _first_anchor_or_alias(text)
        if shortcut is not None:
            return _alias_issue(shortcut)
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None, positions={(): (1, 1)})
        doc = YamlDocument(data=None)
        doc.positions[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
        _index(doc, node, ())
        doc.data = loader.construct_document(node)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        what = _plain_syntax_message(what)
        return YamlDocument(
            data=None,
            issues=[
                YamlIssue(
                    rule="yaml_syntax",
                    message=f"the file cannot be read as YAML: {what}",
                    fix=(
                        "Look at this line and the one above it: a missing space after ':', "
                        "a tab instead of spaces, wrong indentation or an unclosed quote are "
                        "the usual causes."
                    ),
                    line=line,
                    column=column,
                )
            ],
        )
    except yaml.YAMLError as exc:
        return YamlDocument(
            data=None,
            issues=[
                YamlIssue(
                    rule="yaml_syntax",
                    message=f"the file cannot be read as YAML: {exc}",
                    fix="Check the file's layout; it must be a single YAML document.",
                    line=None,
                    column=None,
                )
            ],
        )
    finally:
        loader.dispose()
