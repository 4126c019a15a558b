"""Which threads a method ran in."""

from __future__ import annotations

import threading
from typing import Any

import pytest


def record_threads(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str
) -> list[threading.Thread]:
    """Wraps ``owner.name`` so that each call appends the thread it runs in to the list."""
    threads: list[threading.Thread] = []
    method = getattr(owner, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return method(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return threads
