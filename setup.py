"""Build of lcom's compiled module: the indicator matcher, compiled to C with mypyc.

Everything else about the package is in ``pyproject.toml``. The matcher
(``pipelines/engine/indicators.py``) is plain, typed Python; mypyc, the compiler mypy
and black are shipped with, turns that same source into a C extension, about a
third faster (``bench/indicators.py`` prints which one ran). The source stays the
reference: :mod:`pipelines.engine.native` imports it instead of the extension when
the extension was built from another version of it, or when ``LCOM_PURE_PYTHON=1``.

A machine without a C compiler, or ``LCOM_PURE_PYTHON=1`` at install time, installs the
plain Python module: same results, slower.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
#: Modules compiled, by their source path (one group: mypyc shares its runtime in it).
NATIVE = ["pipelines/engine/indicators.py"]


def _native_module() -> ModuleType:
    """pipelines/engine/native.py on its own (the package is not importable here)."""
    path = HERE / "pipelines" / "engine" / "native.py"
    spec = importlib.util.spec_from_file_location("lcom_native", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


native = _native_module()
#: The hash of the engine's sources, taken before compiling: an edit during the build
#: leaves the build stale, not recorded as current.
BUILT_FROM = native.source_digest()


class BuildNative(build_ext):
    """setuptools' ``build_ext`` that records, beside each compiled module, the hash of
    the sources it was compiled from (read by :mod:`pipelines.engine.native`)."""

    def run(self) -> None:
        super().run()
        for path in NATIVE:
            name = path.removesuffix(".py").replace("/", ".")
            target = Path(self.get_ext_fullpath(name))
            if target.exists():
                marker = target.parent / (name.rsplit(".", 1)[1] + native.BUILT_FROM_SUFFIX)
                marker.write_text(BUILT_FROM + "\n")

    def get_outputs(self) -> list[str]:
        outputs = list(super().get_outputs())
        for path in NATIVE:
            name = path.removesuffix(".py").replace("/", ".")
            target = Path(self.get_ext_fullpath(name))
            outputs.append(str(target.parent / (name.rsplit(".", 1)[1] + native.BUILT_FROM_SUFFIX)))
        return outputs


#: The setuptools commands that build; the others (metadata) need no compiling.
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}


def native_extensions() -> list:  # type: ignore[type-arg]
    if not BUILDS.intersection(sys.argv[1:]):
        return []
    if os.environ.get("LCOM_PURE_PYTHON") == "1":
        print("LCOM_PURE_PYTHON=1: the matcher is installed as plain Python", file=sys.stderr)
        return []
    try:
        from mypyc.build import mypycify

        # The project's strict settings are for `make lint`, which sees every dependency;
        # here they are not installed, and their types read as Any.
        options = ["--config-file=", "--ignore-missing-imports", "--cache-dir=build/mypyc-cache"]
        extensions = mypycify([*options, *NATIVE], opt_level="3")
    except (SystemExit, Exception) as exc:  # mypyc exits on a type error
        print(f"the matcher is installed as plain Python (mypyc: {exc!r})", file=sys.stderr)
        return []
    for extension in extensions:
        # No C compiler or headers: install the plain module rather than fail.
        extension.optional = True
    return extensions


setup(ext_modules=native_extensions(), cmdclass={"build_ext": BuildNative})
