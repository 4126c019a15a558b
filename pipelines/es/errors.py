"""Exceptions of the Elasticsearch integration (one root, few subclasses)."""

from __future__ import annotations


class EsIntegrationError(Exception):
    """Root of every error raised by ``pipelines.es``."""


class EsConfigError(EsIntegrationError, ValueError):
    """The connection settings (environment variables) are missing or inconsistent."""


class UnsupportedClusterError(EsIntegrationError, RuntimeError):
    """The server is not an Elasticsearch version lcom supports (8.x or 9.x)."""

    def __init__(self, message: str, *, version: str | None = None) -> None:
        super().__init__(message)
        self.version = version


class SpoolError(EsIntegrationError, OSError):
    """The spool directory cannot be written or read."""
