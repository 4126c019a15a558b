"""The Makefile's set-up steps."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def test_every_apt_get_call_waits_for_the_dpkg_lock() -> None:
    text = MAKEFILE.read_text(encoding="utf-8")
    assert re.search(r"^APT_WAIT = -o DPkg::Lock::Timeout=\d+$", text, re.MULTILINE)
    calls = re.findall(r"apt-get[^\n]*", text)
    assert calls
    assert all(call.startswith("apt-get $(APT_WAIT) ") for call in calls), calls
