"""The keyring: data-encryption keys with ids, the blind-index key and the audit key.

Kept as JSON in the instance folder with file mode 0600, never in the
database or the repository.  One data key is *active* (new values are
encrypted with it); older keys stay until rotation has re-encrypted everything.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field

from flask import current_app, g, has_app_context

KEY_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def new_key_id() -> str:
    return "k" + secrets.token_hex(4)


@dataclass
class Keyring:
    active_id: str
    data_keys: dict[str, bytes]
    blind_index_key: bytes
    audit_key: bytes
    path: str | None = field(default=None, compare=False)

    @classmethod
    def generate(cls) -> Keyring:
        key_id = new_key_id()
        return cls(
            active_id=key_id,
            data_keys={key_id: secrets.token_bytes(KEY_BYTES)},
            blind_index_key=secrets.token_bytes(KEY_BYTES),
            audit_key=secrets.token_bytes(KEY_BYTES),
        )

    @classmethod
    def load(cls, path: str) -> Keyring:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
        return cls(
            active_id=raw["active"],
            data_keys={kid: _unb64(k) for kid, k in raw["data_keys"].items()},
            blind_index_key=_unb64(raw["blind_index_key"]),
            audit_key=_unb64(raw["audit_key"]),
            path=path,
        )

    def save(self, path: str | None = None) -> None:
        """Write atomically with mode 0600 (the file is created unreadable to others)."""
        path = path or self.path
        assert path, "no path to save the keyring to"
        payload = {
            "active": self.active_id,
            "data_keys": {kid: _b64(k) for kid, k in self.data_keys.items()},
            "blind_index_key": _b64(self.blind_index_key),
            "audit_key": _b64(self.audit_key),
        }
        tmp = path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        self.path = path

    @property
    def active_key(self) -> bytes:
        return self.data_keys[self.active_id]

    def add_active(self) -> str:
        """Add a new data key and make it active; returns its id."""
        key_id = new_key_id()
        while key_id in self.data_keys:
            key_id = new_key_id()
        self.data_keys[key_id] = secrets.token_bytes(KEY_BYTES)
        self.active_id = key_id
        return key_id

    def retire_all_but_active(self) -> list[str]:
        retired = [kid for kid in self.data_keys if kid != self.active_id]
        for kid in retired:
            del self.data_keys[kid]
        return retired


def current_keyring() -> Keyring:
    """The keyring of the current app, reloaded whenever the file changes.

    ``sig keys rotate`` rewrites the file first; every running app process then
    encrypts new values under the new key from its next use on, so the rotation's
    re-encryption pass leaves nothing behind under a key it retires.
    """
    path = current_app.config["KEYRING_PATH"]
    info = os.stat(path)
    stamp = (info.st_mtime_ns, info.st_ino, info.st_size)  # a rewrite changes the inode
    cached = current_app.extensions.get("sig.keyring")
    if cached is None or cached[1] != stamp:
        cached = (Keyring.load(path), stamp)
        current_app.extensions["sig.keyring"] = cached
    return cached[0]


def keyring_to_open(key_id: str) -> Keyring:
    """The keyring to open a value under ``key_id`` with: the request's, found once (a
    page opens dozens of values, and each look at the file costs a ``stat``), or the
    file's again when it lacks that key (a rotation began meanwhile).  Encrypting always
    takes :func:`current_keyring`, so a rotation's new key is used from its next use on."""
    held = g.get("_sig_keyring") if has_app_context() else None
    if held is None or key_id not in held.data_keys:
        held = current_keyring()
        if has_app_context():
            g._sig_keyring = held
    return held
