"""The hash chain: canonical form of an entry and its keyed hash."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from kernel import clock

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "seq", "at", "event", "actor_user_id", "actor_org_id", "actor_role",
    "target_type", "target_ref", "outcome", "details", "prev_hash",
)


def canonical_time(value: dt.datetime) -> str:
    aware = clock.as_utc(value)
    assert aware is not None
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> bytes:
    """Sorted-key compact JSON of the chained fields; times as UTC with microseconds."""
    data = {}
    for name in CHAINED_FIELDS:
        value = fields[name]
        if isinstance(value, dt.datetime):
            value = canonical_time(value)
        data[name] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(key: bytes, fields: dict[str, Any]) -> str:
    """HMAC-SHA256 under the keyring's audit key: without the key the chain cannot be
    recomputed after an edit, even by someone with write access to the database."""
    return hmac.new(key, canonical(fields), hashlib.sha256).hexdigest()


def fields_of(entry: Any) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in CHAINED_FIELDS}
