"""SIG: case coordination for sociala insatsgrupper."""
from sig.app import create_app

__all__ = ["create_app"]
