"""One vocabulary for the ``lcom`` commands: every option explained, in plain text."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from crawler.cli import build_parser

#: Earlier spellings, still accepted (hidden, deprecated) but never shown in --help.
DEPRECATED = {"--json", "--policy", "--spool"}


def parsers(
    parser: argparse.ArgumentParser, path: str = "lcom"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, f"{path} {name}")


ALL = list(parsers(build_parser()))


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[path for path, _ in ALL])
def test_every_option_has_plain_help_and_the_shared_spelling(
    path: str, parser: argparse.ArgumentParser
) -> None:
    texts = [parser.description or "", parser.format_help()]
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            continue
        assert action.help, f"{path}: {action.option_strings or action.dest} has no help"
        assert not set(action.option_strings) & DEPRECATED, (path, action.option_strings)
        texts.append(action.help)
    for text in texts:
        assert "``" not in text, f"{path}: raw markup in help: {text[:80]}"


def test_demo_and_demo_site_default_to_the_same_number_of_ads() -> None:
    demo = build_parser().parse_args(["demo"])
    site = build_parser().parse_args(["demo-site"])
    assert demo.ads == site.ads


def test_policy_folders_are_given_with_policy_dir_everywhere() -> None:
    for path, parser in ALL:
        options = {o for a in parser._actions for o in a.option_strings}
        if any("polic" in (a.help or "").lower() and a.option_strings for a in parser._actions):
            assert "--policy" not in options or "--policy-dir" in options, path
