"""The indicator engine. Its matcher runs compiled when built and current (:mod:`.native`)."""

import os as _os

# numpy's OpenBLAS starts one thread per core when it loads, and they spin for a while:
# about 0.1 s of CPU at every start of a process, more with more cores. The engine does
# no matrix products (the learned model adds up a few rows), so one thread is enough. A
# value the environment already sets is kept.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pipelines.engine import native as _native

_native.install()
