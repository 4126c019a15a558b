"""Elasticsearch integration: connection, setup, indexing, spool, replay, purge, audit.

Modules: :mod:`~pipelines.es.client` (connection from ``ELASTICSEARCH_*``),
:mod:`~pipelines.es.setup` (``lcom es setup``), :mod:`~pipelines.es.indexer` (bulk
upserts and replay), :mod:`~pipelines.es.spool` (the write-ahead spool),
:mod:`~pipelines.es.script` (the upsert script and its reference semantics),
:mod:`~pipelines.es.purge` (``lcom purge``), :mod:`~pipelines.es.audit` (audit records).
See docs/elasticsearch.md.
"""

from pipelines.es.errors import (
    EsConfigError,
    EsIntegrationError,
    SpoolError,
    UnsupportedClusterError,
)

__all__ = ["EsConfigError", "EsIntegrationError", "SpoolError", "UnsupportedClusterError"]
