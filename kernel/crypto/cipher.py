"""The ciphertext format: AES-256-GCM with the key id and the value's place as associated data.

Layout: ``b"S1" | len(key_id) | key_id | nonce(12) | ciphertext+tag``.
The associated data binds a value to ``table.column`` and the row's id, so a
ciphertext copied into another column or row does not decrypt.
"""
from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kernel.crypto.keys import Keyring

MAGIC = b"S1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value failed authentication: tampered, moved, or its key is gone.

    The message names the place (table.column) but never the value.
    """


def _aad(place: str, row_id: str, key_id: str) -> bytes:
    return f"sig|{place}|{row_id}|{key_id}".encode()


def encrypt(keyring: Keyring, place: str, row_id: str, plaintext: bytes) -> bytes:
    key_id = keyring.active_id
    kid = key_id.encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.active_key).encrypt(nonce, plaintext, _aad(place, row_id, key_id))
    return MAGIC + bytes([len(kid)]) + kid + nonce + sealed


def key_id_of(blob: bytes) -> str:
    if not blob.startswith(MAGIC) or len(blob) < 3:
        raise DecryptionError("not a SIG ciphertext")
    length = blob[2]
    try:
        return blob[3 : 3 + length].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("damaged key id in ciphertext") from None


def decrypt(keyring: Keyring, place: str, row_id: str, blob: bytes) -> bytes:
    """:raises DecryptionError: when the value was altered, moved, or its key is missing."""
    key_id = key_id_of(bytes(blob))
    key = keyring.data_keys.get(key_id)
    if key is None:
        raise DecryptionError(f"{place}: key {key_id} is not in the keyring")
    start = 3 + len(key_id)
    nonce = bytes(blob[start : start + NONCE_BYTES])
    sealed = bytes(blob[start + NONCE_BYTES :])
    try:
        return AESGCM(key).decrypt(nonce, sealed, _aad(place, row_id, key_id))
    except InvalidTag:
        raise DecryptionError(f"{place}: ciphertext failed authentication") from None
