"""iCalendar (RFC 5545) invitations: REQUEST for a new or changed meeting, CANCEL for a
cancelled one.  The same UID for every version of a meeting, and a SEQUENCE that grows,
so calendar programs update the entry they have instead of adding another."""
from __future__ import annotations

import datetime as dt

from kernel import clock


def _stamp(moment: dt.datetime) -> str:
    return clock.as_utc(moment).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    return [*out, current]


def event(*, uid: str, method: str, sequence: int, starts: dt.datetime,
          ends: dt.datetime, summary: str, url: str, organizer: str,
          attendee: str) -> str:
    """One VEVENT in a VCALENDAR with ``method`` (``REQUEST`` or ``CANCEL``)."""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//SIG//Samordning//SV",
        f"METHOD:{method}", "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT", f"UID:{uid}", f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_stamp(clock.now())}", f"DTSTART:{_stamp(starts)}",
        f"DTEND:{_stamp(ends)}", f"SUMMARY:{_escape(summary)}",
        f"URL:{url}", f"DESCRIPTION:{_escape(url)}",
        f"ORGANIZER:mailto:{organizer}",
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{attendee}",
        "STATUS:CANCELLED" if method == "CANCEL" else "STATUS:CONFIRMED",
        "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
