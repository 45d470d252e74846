"""A document on a case: an item like any other (origin organisation and category decide
who sees it, by the disclosure policy), its title and content encrypted at rest."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from consent.items import ItemKind, ItemMixin
from kernel.crypto.fields import encrypted_bytes, encrypted_column, encrypted_text
from kernel.db import Base, uuid_pk


class Document(ItemMixin, Base):
    __tablename__ = "documents"
    __item__ = ItemKind(case_column="case_id")

    id: Mapped[uuid_pk]
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    title_enc: Mapped[bytes | None] = encrypted_column()
    title = encrypted_text("title")
    content_enc: Mapped[bytes | None] = encrypted_column(large=True)
    content = encrypted_bytes("content")
    # recognised from the content (kernel.files), never from the uploaded name
    mime: Mapped[str] = mapped_column(String(64))
    extension: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(Integer)

    @property
    def download_name(self) -> str:
        """A name with nothing personal in it (the title may name the youth)."""
        return f"dokument-{self.id[:8]}.{self.extension}"
