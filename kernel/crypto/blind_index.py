"""Keyed blind index: exact lookup of an encrypted value without decrypting.

HMAC-SHA256 under the keyring's blind-index key, over a normalised form of
the value and a purpose label (so the same number indexed for two purposes
gives unrelated digests).  It will serve personal identity numbers.
"""
from __future__ import annotations

import hashlib
import hmac

from kernel.crypto.keys import current_keyring


def blind_index(purpose: str, normalised_value: str) -> str:
    """Hex digest for ``normalised_value``; callers normalise (e.g. 12-digit pnr) first."""
    key = current_keyring().blind_index_key
    message = f"{purpose}\x00{normalised_value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
