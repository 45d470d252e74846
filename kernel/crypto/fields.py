"""Encrypted model attributes.

``name = encrypted_text("name")`` on a model gives a column ``name_enc``
holding the ciphertext and an attribute ``name`` reading and writing the
plaintext.  The row's id is part of the associated data, so models with
encrypted fields use client-generated UUID primary keys (``kernel.db.uuid_pk``)
and the id is set before the first encrypted value is written.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.orm import mapped_column

from kernel.crypto import cipher
from kernel.crypto.keys import Keyring, current_keyring, keyring_to_open
from kernel.db import new_uuid

REGISTRY: list[tuple[type, str]] = []
"""Every (model, field name) with an encrypted column; rotation walks it."""


class EncryptedAttribute:
    """Descriptor over the ``<name>_enc`` column; text or bytes.

    A value is decrypted once per loaded object (a page that names a youth twice
    decrypts the name once), and again whenever its ciphertext changes.  ``keep``: how
    many values of this attribute a worker keeps decrypted between requests, by row
    and ciphertext — for the staff's names, which nearly every page shows (a meeting's
    stand-in picker some hundred); never for a youth's data."""

    def __init__(self, name: str, *, binary: bool, keep: int = 0) -> None:
        self.name = name
        self.column_attr = f"{name}_enc"
        self.memo_attr = f"_sig_plain_{name}"
        self.binary = binary
        self.keep = keep
        self._kept: dict[tuple[str, bytes, bytes], Any] = {}

    def __set_name__(self, owner: type, attr_name: str) -> None:
        self.owner = owner
        REGISTRY.append((owner, attr_name))

    def place(self, owner: type) -> str:
        return f"{owner.__tablename__}.{self.name}"

    def __get__(self, obj: Any, owner: type) -> Any:
        if obj is None:
            return self
        blob = getattr(obj, self.column_attr)
        if blob is None:
            return None
        memo = obj.__dict__.get(self.memo_attr)
        if memo is not None and memo[0] is blob:
            return memo[1]
        value = self.plain(obj.id, blob)
        obj.__dict__[self.memo_attr] = (blob, value)
        return value

    def plain(self, row_id: str, blob: bytes | None) -> Any:
        """The value of row ``row_id``'s ciphertext ``blob`` (a list that reads the column
        without loading the objects: ``User.display_name.plain(id, display_name_enc)``)."""
        return self._open(row_id, blob, keyring_to_open)

    def opener(self) -> Callable[[str, bytes | None], Any]:
        """:meth:`plain` for the many rows of one read (a picker of a hundred staff): the
        request's keyring is looked up once per key, not once per value."""
        found: dict[str, Keyring] = {}

        def keyring_for(key_id: str) -> Keyring:
            keyring = found.get(key_id)
            if keyring is None:
                keyring = found[key_id] = keyring_to_open(key_id)
            return keyring

        return lambda row_id, blob: self._open(row_id, blob, keyring_for)

    def _open(self, row_id: str, blob: bytes | None,
              keyring_for: Callable[[str], Keyring]) -> Any:
        if blob is None:
            return None
        blob = bytes(blob)
        key_id = cipher.key_id_of(blob)
        keyring = keyring_for(key_id)
        key = None
        if self.keep:  # kept with the key that opens it: a keyring without it opens nothing
            data_key = keyring.data_keys.get(key_id)
            key = (row_id, blob, data_key) if data_key is not None else None
        value = self._kept.get(key) if key is not None else None
        if value is None:
            raw = cipher.decrypt(keyring, self.place(self.owner), row_id, blob)
            value = raw if self.binary else raw.decode("utf-8")
            if key is not None:
                if len(self._kept) >= self.keep:
                    self._kept.clear()
                self._kept[key] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if value is None:
            setattr(obj, self.column_attr, None)
            return
        if obj.id is None:
            obj.id = new_uuid()
        raw = value if self.binary else str(value).encode("utf-8")
        setattr(obj, self.column_attr,
                cipher.encrypt(current_keyring(), self.place(type(obj)), obj.id, raw))


def encrypted_column(nullable: bool = True, *, large: bool = False) -> Any:
    """The storage column that goes with an encrypted attribute.  A ``large`` one (a file,
    a stored extract) is deferred: loading the row for a list, a decision or a count
    does not read it, only the page that opens the file does."""
    return mapped_column(LargeBinary, nullable=nullable, deferred=large)


def encrypted_text(name: str, *, keep: int = 0) -> EncryptedAttribute:
    return EncryptedAttribute(name, binary=False, keep=keep)


def encrypted_bytes(name: str) -> EncryptedAttribute:
    return EncryptedAttribute(name, binary=True)
