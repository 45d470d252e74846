"""Building cases through the real pages, as Sara does."""
from __future__ import annotations

import re

from sqlalchemy import select

from kernel.db import db
from sig.cases.models import Case
from tests.helpers import post


def valid_pnr(birth: str, serial: str) -> str:
    """A number of valid form for YYYYMMDD ``birth`` and three-digit ``serial``."""
    from sig.youths.pnr import luhn_check_digit

    return f"{birth}-{serial}{luhn_check_digit(birth[2:] + serial)}"


def register_youth(client, name: str = "Kalle Test", pnr: str | None = None,
                   **extra) -> str:
    data = {"name": name, "personal_number": pnr or valid_pnr("20100315", "123"),
            "gender": "boy", "contact": "070-000 00 00", "school": "Testskolan",
            "guardian1_name": "Anna Test", "guardian1_contact": "070-111 11 11",
            "guardian1_custody": "y", **extra}
    response = post(client, "/youths/new", data, page="/youths/new")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.location.rsplit("/", 1)[-1]


def open_case(client, youth_id: str) -> str:
    response = post(client, f"/youths/{youth_id}/cases/new",
                    {"referral_source": "police", "referral_date": "2026-01-10",
                     "referral_note": "Orosanmälan från polisen"},
                    page=f"/youths/{youth_id}/cases/new")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.location.rsplit("/", 1)[-1]


def add_member(client, case_id: str, user, function: str = "kontaktperson",
               from_date: str = "2026-01-01", to_date: str = "") -> None:
    response = post(client, f"/cases/{case_id}/members",
                    {"user_id": user.id, "function": function, "from_date": from_date,
                     "to_date": to_date}, page=f"/cases/{case_id}/members")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def case_ids(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Case.id)))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
