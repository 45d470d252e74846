"""The register extract (registerutdrag, GDPR art. 15): everything SIG holds about one
person, with the ledger of where their information went and on what basis."""
