"""SIG: case coordination for sociala insatsgrupper."""
from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``sig.create_app``, imported when asked for: a process that needs one module of the
    package (the statistics' solver process) does not load the whole app with it."""
    if name == "create_app":
        from sig.app import create_app

        return create_app
    raise AttributeError(f"module 'sig' has no attribute {name!r}")
