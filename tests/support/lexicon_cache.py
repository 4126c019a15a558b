"""The compiled-lexicon cache a crawl writes under its var folder, for the leak checks.

Its files are the bundled lexicons compiled, which may spell a word that is also an
advertised name ("Ola"), and its megabytes of automaton would make a leak search take
minutes. The privacy check, whose crawl keeps it in its var folder as by default,
proves that it holds nothing else (:func:`assert_holds_only_the_compiled_lexicons`) and
leaves it out of its search (:func:`is_compiled_lexicon`); other leak checks keep it out
of the var folder (``LCOM_LEXICON_CACHE``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pipelines.engine import lexicon as lexicon_module
from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR
from pipelines.engine.lexicon_cache import TABLES_FILE, LexiconCache


def lexicon_cache_in(var_dir: Path) -> Path:
    """The compiled-lexicon cache of a crawl whose ``LCOM_VAR_DIR`` is ``var_dir``."""
    return var_dir / "cache" / "lexicons"


def is_compiled_lexicon(path: Path, var_dir: Path) -> bool:
    """Whether ``path`` is a file of the compiled-lexicon cache under ``var_dir``."""
    return path.is_relative_to(lexicon_cache_in(var_dir))


def assert_holds_only_the_compiled_lexicons(var_dir: Path, scratch: Path) -> None:
    """The cache under ``var_dir`` holds exactly what compiling the bundled lexicons
    without any crawl writes (into ``scratch``): the same paths, ``tables.json`` byte for
    byte and every key and value of its automata (their files also hold memory addresses,
    which differ from one process to the next, so they are compared loaded, from a copy:
    loading touches an entry, and removes one it finds damaged)."""
    written = _contents(lexicon_cache_in(var_dir), scratch / "written")
    assert written["entries"], "the crawl wrote its compiled lexicons"
    fresh = scratch / "fresh"
    lexicon_module._compile(DEFAULT_LEXICON_DIR, LexiconCache(fresh))
    assert written == _contents(fresh, scratch / "fresh-copy"), (
        "the lexicon cache holds the compiled lexicons only"
    )


def _contents(folder: Path, copy: Path) -> dict[str, Any]:
    shutil.copytree(folder, copy)
    entries: dict[str, Any] = {}
    for entry in sorted(p for p in copy.iterdir() if p.is_dir()):
        tables = (entry / TABLES_FILE).read_bytes()
        names = tuple(json.loads(tables)["automata"])
        loaded = LexiconCache(copy).load(entry.name, names)
        assert loaded is not None, f"{entry} is a readable cache entry"
        entries[entry.name] = (
            tables,
            {name: list(automaton.items()) for name, automaton in loaded[1].items()},
        )
    paths = sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))
    return {"paths": paths, "entries": entries}
