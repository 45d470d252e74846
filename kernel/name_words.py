"""The words of a name as a search compares them: case folded, accents and diacritics
removed (Åsa, Asa and ÅSA are one word), hyphens, spaces and punctuation separating.
The youths' name index stores them keyed (``sig.youths.name_index``); the account list
compares them as they are (``auth.admin.listing``)."""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def words(name: str) -> list[str]:
    """The normalised words of ``name``, sorted, each once."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return sorted(set(_WORD.findall(plain)))
