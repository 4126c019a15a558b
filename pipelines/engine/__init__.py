"""The indicator engine. Its matcher runs compiled when built and current (:mod:`.native`)."""

from pipelines.engine import native as _native

_native.install()
