"""``python -m crawler.cli``: the ``lcom`` command (used where the script is not on PATH)."""

import sys

from crawler.cli import main

sys.exit(main())
