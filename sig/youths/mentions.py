"""The individual-data guard: personal data in a text meant to hold none.

"Uppgifter som lyder under sekretess och individuppgifter ska inte tas med" (the
situation-report template of Fagersta/Ludvika).  Area-level texts — situation reports,
citizen promises, area minutes — are checked on save for:

* a **personal identity or coordination number** (10 or 12 digits, with or without a
  hyphen, with a valid check digit and date: "20100315-1234", "100315-1234");
* the **name of a youth or guardian in the register**: two adjacent words that are both
  words of one registered person's name (first name and surname), looked up through
  the keyed indexes of name words (``sig.youths.name_index``) — the register is never
  decrypted to check a text, and a single common first name ("Anna") is not a finding;
* a **street address**: a street name (…gatan, …vägen, …gränd …) followed by a house
  number ("Storgatan 12", "Björkvägen 3 B").  A street name alone ("trygghetsvandring på
  Storgatan") is fine: places belong in a situation report.

Each finding names where it is, so the form can mark the words and keep the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, union_all

from kernel.db import db
from sig.youths import name_index, pnr
from sig.youths.models import GuardianNameToken, YouthNameToken

_NUMBER = re.compile(r"(?<![\d-])(?:\d{2})?\d{6}[-+]?\d{4}(?![\d-])")
_STREET = re.compile(
    r"\b[A-ZÅÄÖ][a-zåäöéü]+(?:gatan|vägen|gränd|gränden|torget|torg|stigen|leden|backen|"
    r"allén|plan|platsen|vägen|gata|väg)\s+\d{1,4}(?:\s?[A-Za-z])?\b")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    kind: str  # "personal_number", "name", "address"

    def words(self, text: str) -> str:
        return text[self.start:self.end]


def _numbers(text: str) -> list[Finding]:
    found = []
    for match in _NUMBER.finditer(text):
        try:
            pnr.parse(match.group())
        except pnr.InvalidPersonalNumber:
            continue
        found.append(Finding(match.start(), match.end(), "personal_number"))
    return found


def _addresses(text: str) -> list[Finding]:
    return [Finding(m.start(), m.end(), "address") for m in _STREET.finditer(text)]


def _names(text: str) -> list[Finding]:
    """Adjacent word pairs that are both words of one registered person's name: one
    statement for the whole text."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    pairs = [(a, b) for a, b in zip(words, words[1:], strict=False)
             if text[a[1]:b[0]].strip() == "" and a[2][:1].isupper() and b[2][:1].isupper()]
    if not pairs:
        return []
    token_of = {w[2]: name_index.tokens(w[2]) for pair in pairs for w in pair}
    wanted = sorted({t for ts in token_of.values() for t in ts})
    if not wanted:
        return []
    people = union_all(
        select(YouthNameToken.youth_id.label("person"), YouthNameToken.token)
        .where(YouthNameToken.token.in_(wanted)),
        select(GuardianNameToken.guardian_id.label("person"), GuardianNameToken.token)
        .where(GuardianNameToken.token.in_(wanted))).subquery()
    tokens_of: dict[str, set[str]] = {}
    for person, token in db.session.execute(select(people.c.person, people.c.token)):
        tokens_of.setdefault(person, set()).add(token)
    # (a person with at least two of the words: the pairs are checked against them)
    candidates = [ts for ts in tokens_of.values() if len(ts) >= 2]
    found = []
    for a, b in pairs:
        ta, tb = set(token_of[a[2]]), set(token_of[b[2]])
        if ta and tb and ta != tb and any(ta <= ts and tb <= ts for ts in candidates):
            found.append(Finding(a[0], b[1], "name"))
    return found


def find(text: str | None) -> list[Finding]:
    """The personal data in ``text``, in order of appearance."""
    if not text or not text.strip():
        return []
    found = _numbers(text) + _addresses(text) + _names(text)
    return sorted(found, key=lambda f: (f.start, f.end))
