"""The link store: ads linked into cases on pseudonyms only (docs/linking.md).

:func:`open_store` picks the back-end: the SQLite file under ``LCOM_VAR_DIR``
(:mod:`pipelines.links.sqlite`) unless Elasticsearch is configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.links.model import LinkStore

__all__ = ["LinkStore", "open_store", "sqlite_path"]

#: File name of the local link store inside ``LCOM_VAR_DIR``.
SQLITE_NAME = "links.sqlite"


def sqlite_path(config: Mapping[str, Any] | None = None) -> Path:
    """Where the local link store lives: ``LCOM_LINKS_DB``, else ``<LCOM_VAR_DIR>/links.sqlite``."""
    from pipelines.home import var_dir

    config = config if config is not None else os.environ
    explicit = config.get("LCOM_LINKS_DB")
    if explicit:
        return Path(str(explicit))
    directory = config.get("LCOM_VAR_DIR")
    return (Path(str(directory)) if directory else var_dir()) / SQLITE_NAME


def open_store(config: Mapping[str, Any] | None = None) -> LinkStore:
    """The link store for ``config`` (a settings-like mapping; the environment by default):
    the ``lcom-links`` index in Elasticsearch when ``ELASTICSEARCH_URL`` is set (in
    ``config``, else in the environment, like the Elasticsearch pipeline reads it), else
    the SQLite file."""
    environ = elasticsearch_environment(config)
    if (environ.get("ELASTICSEARCH_URL") or "").strip():
        from pipelines.es.links import open_es_store

        return open_es_store(environ)
    from pipelines.links.sqlite import SqliteLinkStore

    return SqliteLinkStore(sqlite_path(config))


def elasticsearch_environment(config: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The ``ELASTICSEARCH_*`` connection variables: the environment's, with those that
    ``config`` sets on top (Scrapy settings normally set none)."""
    found = {k: v for k, v in os.environ.items() if k.startswith("ELASTICSEARCH_")}
    if config is not None:
        found.update(
            {
                str(k): str(v)
                for k, v in config.items()
                if str(k).startswith("ELASTICSEARCH_") and v is not None
            }
        )
    return found
