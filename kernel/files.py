"""Uploaded documents, recognised by their content — never by their name or by what the
browser says they are.

A file is accepted when it is a PDF, a JPEG or a PNG from its first byte to its last
(the format's opening bytes *and* its closing marker), within the size limit, and holds
nothing a browser or a reader would run: no HTML or script anywhere in it (a "polyglot"
such as a PDF header followed by an HTML page is refused), and no PDF actions that run
code or open other programs.  Files are stored encrypted and served as downloads
(``Content-Disposition: attachment``, ``nosniff``), so even an accepted file is never
rendered by the browser as a page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# media type → (opening bytes, closing marker looked for at the end, file extension)
TYPES: dict[str, tuple[bytes, bytes, str]] = {
    "application/pdf": (b"%PDF-", b"%%EOF", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", b"\xff\xd9", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82", "png"),
}
# where the closing marker must be: within this many bytes of the end (a PDF may end
# with a line break or a little padding after %%EOF)
TAIL = 1024
# markup or script anywhere in the file, whatever the case
ACTIVE = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|frame|object|embed|svg|"
                    rb"meta|link|form|img|a\s)|javascript\s*:|vbscript\s*:", re.IGNORECASE)
# PDF actions that run code, open other files or programs, or submit forms
PDF_ACTIONS = re.compile(rb"/(?:JavaScript|JS|Launch|SubmitForm|ImportData|RichMedia|"
                         rb"EmbeddedFile|OpenAction\s*<<[^>]*/S\s*/JavaScript)\b")


class Refused(ValueError):
    """Why a file is not accepted: ``empty``, ``too_large``, ``type`` (not one of the
    accepted formats, or not a whole one) or ``active`` (it holds markup or script)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Recognised:
    mime: str
    extension: str


def recognise(data: bytes, max_bytes: int) -> Recognised:
    """:raises Refused: see the module's text."""
    if not data:
        raise Refused("empty")
    if len(data) > max_bytes:
        raise Refused("too_large")
    for mime, (opening, closing, extension) in TYPES.items():
        if data.startswith(opening):
            if closing not in data[-TAIL:]:
                raise Refused("type")
            if ACTIVE.search(data) or (mime == "application/pdf" and PDF_ACTIONS.search(data)):
                raise Refused("active")
            return Recognised(mime, extension)
    raise Refused("type")
