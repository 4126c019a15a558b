"""Options several ``lcom`` commands share, spelt the same way everywhere.

The vocabulary: ``--policy-dir DIR``, ``--spool-dir DIR``, ``--format {text,json}``,
``--dry-run``, ``-v/--verbose``. Earlier spellings (``--policy``, ``--spool``,
``--json``, a positional policy folder) still work for one release: they are hidden
from ``--help`` and print a deprecation note on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any


class _DeprecatedAlias(argparse.Action):
    """Stores like the new option, after a note on standard error."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        *,
        new: str,
        value: Any = None,
        **kwargs: Any,
    ) -> None:
        self.new = new
        self.value = value
        if value is not None:
            kwargs["nargs"] = 0
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(
            f"lcom: {option_string} is deprecated and will be removed; use {self.new}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, self.value if self.value is not None else values)


def plain(docstring: str | None) -> str | None:
    """A module docstring's first paragraph as --help text: without reST markup."""
    if not docstring:
        return None
    return docstring.split("\n\n")[0].replace("``", "")


def deprecated_alias(
    parser: argparse.ArgumentParser, old: str, new: str, dest: str, **kwargs: Any
) -> None:
    """Accept ``old`` as a hidden spelling of ``new`` (same ``dest``)."""
    parser.add_argument(
        old,
        dest=dest,
        action=_DeprecatedAlias,
        new=new,
        help=argparse.SUPPRESS,
        default=argparse.SUPPRESS,
        **kwargs,
    )


def add_format(parser: argparse.ArgumentParser, what: str = "the result") -> None:
    """``--format {text,json}`` (and the hidden, deprecated ``--json``)."""
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help=f"print {what} as text (default) or as JSON",
    )
    deprecated_alias(parser, "--json", "--format json", "format", value="json")


#: Synthetic ads and generator seed of the demo site, for ``lcom demo`` and ``lcom demo-site``.
DEMO_ADS = 150
DEMO_SEED = 7


def add_demo_site_options(
    parser: argparse.ArgumentParser, *, port: int, serve: bool = False
) -> None:
    """The demo site's options; ``port`` is the default port (0: a free one).

    ``serve``: also the options of a site served on its own (``lcom demo-site``).
    """
    parser.add_argument(
        "--port",
        type=int,
        default=port,
        help=f"port on 127.0.0.1 (default {port}; 0: a free one)",
    )
    parser.add_argument(
        "--ads", type=int, default=DEMO_ADS, help=f"number of synthetic ads (default {DEMO_ADS})"
    )
    parser.add_argument(
        "--seed", type=int, default=DEMO_SEED, help=f"generator seed (default {DEMO_SEED})"
    )
    if serve:
        parser.add_argument(
            "--crawl-delay",
            type=float,
            default=0.05,
            help="Crawl-delay announced in robots.txt (default 0.05)",
        )
        parser.add_argument(
            "--slow-seconds",
            type=float,
            default=3.0,
            help="how long /bad/slow takes to answer (default 3.0)",
        )
