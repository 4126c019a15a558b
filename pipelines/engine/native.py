"""Which build of the indicator matcher runs: the C extension mypyc compiled from
``indicators.py`` (``setup.py``), or that source itself.

The source is the reference. The extension is imported only when it was compiled from
the sources as they are now: the compiled code relies on the types of the engine's other
modules too, so it records a hash of every module of this folder (:func:`source_digest`),
and a checkout or an edit of any of them after the build makes it stale. Then the source
runs (a warning says to reinstall) instead of code nobody reads any more.
``LCOM_PURE_PYTHON=1`` runs the source whatever was built (results are the same, the
matcher slower; ``tests/engine/test_native.py`` compares the two on every labelled ad).

:func:`install` runs when :mod:`pipelines.engine` is imported, before any of its modules.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = ["COMPILED", "PURE_PYTHON_ENV", "compiled", "install", "load_source", "source_digest"]

logger = logging.getLogger(__name__)

#: Modules of this package that ``setup.py`` compiles (keep the two lists alike).
COMPILED = ("indicators",)
#: Set to ``1`` to run the source even where the extension is built and current.
PURE_PYTHON_ENV = "LCOM_PURE_PYTHON"
#: Beside an extension, the :func:`source_digest` it was compiled from (``setup.py``).
BUILT_FROM_SUFFIX = ".built-from"

_HERE = Path(__file__).resolve().parent


def _extension(name: str) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = _HERE / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def source_digest(folder: Path = _HERE) -> str:
    """SHA-256 of every module of ``folder`` (this package), by name: what a build of its
    compiled modules was made from."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _current(name: str) -> bool:
    """Whether the extension of ``name`` exists and was built from the sources as they are."""
    if _extension(name) is None:
        return False
    try:
        built_from = (_HERE / f"{name}{BUILT_FROM_SUFFIX}").read_text().strip()
        return built_from == source_digest(_HERE)
    except OSError:
        return False


class _SourceFinder:
    """Finds the listed modules of this package as their ``.py`` source, ahead of the
    path finder (which prefers an extension beside it)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = {f"{__package__}.{name}": name for name in names}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        name = self.names.get(fullname)
        if name is None:
            return None
        return importlib.util.spec_from_file_location(fullname, _HERE / f"{name}.py")


def install() -> None:
    """Make the source of every stale or unwanted extension the module imported."""
    if any(isinstance(finder, _SourceFinder) for finder in sys.meta_path):
        return
    pure = os.environ.get(PURE_PYTHON_ENV) == "1"
    source = [name for name in COMPILED if pure or not _current(name)]
    for name in source:
        if not pure and _extension(name) is not None:
            logger.warning(
                "pipelines/engine/%s: the compiled module was built from another version of "
                "the engine's sources; the source runs (slower). Rebuild it: make install",
                name,
            )
    if source:
        sys.meta_path.insert(0, _SourceFinder(source))


def compiled() -> tuple[str, ...]:
    """The modules of :data:`COMPILED` that run as their C extension in this process."""
    found = []
    for name in COMPILED:
        module = sys.modules.get(f"{__package__}.{name}")
        if module is not None and not str(getattr(module, "__file__", "")).endswith(".py"):
            found.append(name)
    return tuple(found)


def load_source(name: str) -> ModuleType:
    """The module ``name`` of :data:`COMPILED` run from its source, whatever build is
    imported: the imported module itself when it is the source, else a second module
    of its own (``pipelines.engine._source_<name>``, loaded once), beside the compiled
    one. For what must see or replace the internals the compiled module calls directly
    (tests that count calls), and for a benchmark of both builds in one run."""
    imported = importlib.import_module(f"{__package__}.{name}")
    if name not in compiled():
        return imported
    fullname = f"{__package__}._source_{name}"
    module = sys.modules.get(fullname)
    if module is None:
        spec = importlib.util.spec_from_file_location(fullname, _HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[fullname] = module  # dataclasses look their module up while it runs
        spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    # `python pipelines/engine/native.py`: exit 0 when every compiled module is built
    # and current (the Makefile's check; it imports nothing of the package).
    sys.exit(0 if all(_current(name) for name in COMPILED) else 1)
