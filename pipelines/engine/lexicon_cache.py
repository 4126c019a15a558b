"""A disk cache of compiled lexicons, so a process starts without compiling them.

Compiling the bundled lexicons (``pipelines.engine.lexicon``) expands ~8,000 patterns into
~150,000 automaton keys: several seconds, where ``lcom flag`` on one ad should answer
in well under one. The result is kept in an owner-only folder (``<LCOM_VAR_DIR>/cache/
lexicons``, mode 0700), one entry per *digest*: a hash of everything the compiled form
depends on (the lexicon content after YAML parsing, the engine's source code, the
pyahocorasick and Python versions). Any change gives another digest, so a stale entry is
never used; the newest few entries are kept, older ones removed. The same lexicons compile
to the same ``tables.json`` in every process (no set's order, which follows the hash seed,
decides the order of a regex's alternatives).

An entry is a folder of plain data, never code: ``tables.json`` (the compiled tables, as
JSON) and one ``<name>.bin`` per automaton in pyahocorasick's own file format, written
with integer values only (``STORE_INTS``), so loading it never unpickles anything. As a
second guard an entry is only read from a folder that is the current user's and not
writable by anyone else; files in it must be the user's regular files.

The cache is an optimisation only: every failure (folder not writable or not safe, disk
full, a damaged entry) falls back to compiling in memory, with one warning that says why
and what it costs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

import ahocorasick

logger = logging.getLogger(__name__)

TABLES_FILE = "tables.json"
#: Entries kept (one per lexicon folder or version in use); older ones are removed.
KEEP_ENTRIES = 3
#: Loosest mode of the cache folder: read, write and enter for its owner only.
FOLDER_MODE = 0o700
#: A temporary folder this old was left by a process that died while writing it.
STALE_TEMPORARY_S = 3600


class CacheUnsafe(Exception):
    """The cache folder or a file in it could be written by another user."""


def _automaton_parts(automaton: Any) -> tuple[dict[str, Any], list[bytes]]:
    """An automaton of numbers as a header (plain data) and its trie's raw bytes.

    These are the parts pyahocorasick itself pickles (``__reduce__``); building the
    automaton back from them takes a tenth of the time of ``ahocorasick.load``.
    """
    if not len(automaton):
        return {"numbers": [], "chunks": []}, []  # pyahocorasick pickles no state then
    _, (chunks, *numbers, values) = automaton.__reduce__()
    if automaton.store != ahocorasick.STORE_INTS or values is not None:
        raise ValueError("only automata of numbers are cached")
    if not all(isinstance(c, bytes) for c in chunks) or not all(
        isinstance(n, int) for n in numbers
    ):
        raise ValueError("unexpected automaton state")
    return {"numbers": numbers, "chunks": [len(c) for c in chunks]}, chunks


def _automaton_from(header: dict[str, Any], data: bytes, size: int) -> Any:
    """The inverse of :func:`_automaton_parts`."""
    lengths, numbers = header["chunks"], header["numbers"]
    if sum(lengths) != size or len(data) != size:
        raise ValueError("automaton file is not the size written")
    if not lengths and not numbers:
        return ahocorasick.Automaton(ahocorasick.STORE_INTS, ahocorasick.KEY_STRING)
    if len(numbers) != 5 or numbers[1] != ahocorasick.STORE_INTS:
        raise ValueError("not an automaton of numbers")
    chunks, start = [], 0
    for length in lengths:
        chunks.append(data[start : start + length])
        start += length
    return ahocorasick.Automaton(chunks, *(int(n) for n in numbers), None)


class LexiconCache:
    """Compiled tables and automata by digest, in ``folder`` (created mode 0700)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._warned = False

    # ------------------------------------------------------------------ reading

    def load(self, digest: str, names: tuple[str, ...]) -> tuple[Any, dict[str, Any]] | None:
        """``(tables, automata by name)`` of the entry ``digest``, or ``None`` (not there,
        not safe or damaged: the caller compiles)."""
        entry = self.folder / digest
        try:
            self._check_folder(self.folder)
            self._check_folder(entry)
        except OSError:  # not there (yet), or not reachable: storing says why
            return None
        except CacheUnsafe as exc:
            self._warn("not used: %s", exc)
            return None
        try:
            tables_path = entry / TABLES_FILE
            self._check_file(tables_path)
            with tables_path.open(encoding="utf-8") as fh:
                tables = json.load(fh)
            if not isinstance(tables, dict) or tables.get("digest") != digest:
                raise ValueError("digest does not match")
            automata = {}
            for name in names:
                path = entry / f"{name}.bin"
                size = self._check_file(path)
                automata[name] = _automaton_from(tables["automata"][name], path.read_bytes(), size)
            os.utime(entry)  # used last: kept when older entries are removed
        except CacheUnsafe as exc:
            self._warn("not used: %s", exc)
            return None
        except (OSError, ValueError, TypeError, LookupError, SystemError, MemoryError) as exc:
            # Damaged (a disk error, a file cut short): compiled and written again.
            self.discard(digest, exc)
            return None
        return tables, automata

    def discard(self, digest: str, reason: object) -> None:
        """Remove a damaged entry, so that it is written again."""
        logger.info("lexicon cache entry %s damaged (%s): compiling again", digest[:12], reason)
        shutil.rmtree(self.folder / digest, ignore_errors=True)

    def _check_folder(self, path: Path) -> None:
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode):
            raise CacheUnsafe(f"{path} is not a folder")
        if info.st_uid != os.geteuid():
            raise CacheUnsafe(f"{path} belongs to another user (uid {info.st_uid})")
        if stat.S_IMODE(info.st_mode) & ~FOLDER_MODE:
            raise CacheUnsafe(
                f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):o}); "
                f"remove it, lcom recreates it with mode {FOLDER_MODE:o}"
            )

    @staticmethod
    def _check_file(path: Path) -> int:
        """The size of ``path``, a regular file that only the current user can write."""
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise CacheUnsafe(f"{path} is not a regular file of the current user")
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise CacheUnsafe(f"{path} is writable by other users")
        return info.st_size

    # ------------------------------------------------------------------ writing

    def store(self, digest: str, tables: dict[str, Any], automata: dict[str, Any]) -> None:
        """Save an entry (atomically: a finished entry or none); never raises."""
        try:
            self.folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            self._check_folder(self.folder)
            temporary = Path(tempfile.mkdtemp(prefix=".new-", dir=self.folder))
            try:
                headers = {}
                for name, automaton in automata.items():
                    headers[name], chunks = _automaton_parts(automaton)
                    with (temporary / f"{name}.bin").open("wb") as fh:
                        for chunk in chunks:
                            fh.write(chunk)
                with (temporary / TABLES_FILE).open("w", encoding="utf-8") as fh:
                    entry = {**tables, "digest": digest, "automata": headers}
                    json.dump(entry, fh, separators=(",", ":"))
                try:
                    os.rename(temporary, self.folder / digest)
                except OSError:
                    if not (self.folder / digest).is_dir():
                        raise
                    # Another process stored the same entry first.
            finally:
                if temporary.exists():
                    shutil.rmtree(temporary, ignore_errors=True)
            self._prune(keep=digest)
        except CacheUnsafe as exc:
            self._warn("not used: %s", exc)
        except (OSError, ValueError) as exc:
            self._warn("cannot write %s (%s)", self.folder, getattr(exc, "strerror", None) or exc)

    def _prune(self, keep: str) -> None:
        """Remove all but the ``KEEP_ENTRIES`` entries used last (and temporary folders
        left by a process that died while writing)."""
        now = time.time()
        entries = []
        for path in self.folder.iterdir():
            if path.name == keep or not path.is_dir():
                continue
            if not path.name.startswith("."):
                entries.append(path)
            elif now - path.stat().st_mtime > STALE_TEMPORARY_S:
                shutil.rmtree(path, ignore_errors=True)
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_ENTRIES - 1 :]:
            shutil.rmtree(old, ignore_errors=True)

    def _warn(self, message: str, *args: object) -> None:
        if not self._warned:
            self._warned = True
            logger.warning(
                "lexicon cache " + message + "; the lexicons are compiled at every start "
                "(about 1 to 2 s)",
                *args,
            )
