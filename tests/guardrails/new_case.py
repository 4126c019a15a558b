"""Create a golden policy case: a copy of the minimal passing policy with edits.

Usage (from the repository root)::

    .venv/bin/python tests/guardrails/new_case.py negative my_new_case

copies ``examples/positive/minimal`` to ``examples/negative/my_new_case`` and writes an
``expected.txt`` to fill in. Then change the one thing the case is about by hand. The
result is plain files: the test suite never generates cases on the fly.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "examples"
BASE = EXAMPLES / "positive" / "minimal"
EXPECTED_TEMPLATE = """\
# What `lcom guardrails check` must report for this policy folder (read as YAML).
# rule and message are required; message is a fragment of the problem text.
rule: RULE_ID
file: FILE
field: FIELD
message: FRAGMENT
"""

#: file -> list of (old text, new text) replacements, None to delete, or a full new text.
Edits = Mapping[str, Sequence[tuple[str, str]] | str | None]


def make_case(kind: str, name: str, edits: Edits, expected: str | None = None) -> Path:
    target = EXAMPLES / kind / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(BASE, target)
    for rel, edit in edits.items():
        path = target / rel
        if edit is None:
            path.unlink()
        elif isinstance(edit, str):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(edit, encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
            for old, new in edit:
                if old not in text:
                    raise ValueError(f"{rel}: {old!r} not found")
                text = text.replace(old, new, 1)
            path.write_text(text, encoding="utf-8")
    if kind == "negative":
        (target / "expected.txt").write_text(expected or EXPECTED_TEMPLATE, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("positive", "negative"))
    parser.add_argument("name")
    args = parser.parse_args()
    print(make_case(args.kind, args.name, {}))


if __name__ == "__main__":
    main()
