"""``LCOM_HOME``: the one folder lcom's working files hang from, wherever a command runs.

- ``LCOM_HOME`` when it is set;
- else, in a source checkout (a ``pyproject.toml`` next to the ``pipelines`` package),
  the checkout itself, so ``make demo`` keeps its files in the project's ``var/``;
- else (an installed package) the user's data folder, ``$XDG_DATA_HOME/lcom`` or
  ``~/.local/share/lcom``.

Under it: ``var/`` (spool, audit log, job folders, ``cache/lexicons``: the lexicons as
``lcom flag`` compiled them; ``LCOM_VAR_DIR`` overrides),
``sources/`` (extraction configs of an installed package; ``LCOM_SOURCES_DIR``
overrides) and ``policy/`` (the guardrail policy folder when ``LCOM_POLICY_DIR`` is
not set). Every path is absolute, so audit records and messages do not depend on the
folder a command was started from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

HOME_ENV = "LCOM_HOME"
VAR_ENV = "LCOM_VAR_DIR"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def is_checkout(root: Path = _PACKAGE_ROOT) -> bool:
    """The packages run from a source checkout (not from site-packages)."""
    return (root / "pyproject.toml").is_file() and "site-packages" not in root.parts


def user_data_dir(environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".local" / "share") / "lcom"


def lcom_home(environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    """The absolute ``LCOM_HOME`` (see the module docstring)."""
    env = os.environ if environ is None else environ
    configured = env.get(HOME_ENV, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    if is_checkout():
        return _PACKAGE_ROOT
    return user_data_dir(env).resolve()


def var_dir(environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    """``LCOM_VAR_DIR`` (made absolute), else ``<LCOM_HOME>/var``."""
    env = os.environ if environ is None else environ
    configured = env.get(VAR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return lcom_home(env) / "var"


def lexicon_cache_dir() -> Path:
    """``LCOM_LEXICON_CACHE``, else ``<var>/cache/lexicons``: compiled lexicons
    (``pipelines.engine.lexicon_cache``)."""
    folder = settings_lexicon_cache_dir({**os.environ, VAR_ENV: str(var_dir())})
    assert folder is not None  # var_dir() always names a folder
    return folder


def settings_lexicon_cache_dir(settings: Any) -> Path | None:
    """The lexicon cache of a crawl: ``LCOM_LEXICON_CACHE``, else
    ``<LCOM_VAR_DIR>/cache/lexicons`` of its settings (none when they name neither: the
    lexicon is then compiled in memory)."""
    explicit = str(settings.get("LCOM_LEXICON_CACHE") or "").strip()
    if explicit:
        return Path(explicit).expanduser().resolve()
    var = settings.get(VAR_ENV)
    return Path(str(var)).expanduser().resolve() / "cache" / "lexicons" if var else None


def home_sources_dir() -> Path | None:
    """``<LCOM_HOME>/sources`` when it exists (an installed package's own sources)."""
    folder = lcom_home() / "sources"
    return folder if folder.is_dir() else None


def home_policy_dir() -> Path | None:
    """``<LCOM_HOME>/policy`` when it holds a policy (``bundle.yaml``)."""
    folder = lcom_home() / "policy"
    return folder if (folder / "bundle.yaml").is_file() else None
