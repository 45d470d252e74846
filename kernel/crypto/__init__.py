"""Personal data at rest: authenticated encryption bound to table, column and row.

See ``keys`` (the keyring in the instance folder), ``cipher`` (the format),
``fields`` (how models declare encrypted attributes), ``blind_index`` (exact
lookup without decrypting) and ``rotation`` (re-encrypting under a new key).
"""
from kernel.crypto.cipher import DecryptionError
from kernel.crypto.fields import encrypted_bytes, encrypted_text

__all__ = ["DecryptionError", "encrypted_bytes", "encrypted_text"]
