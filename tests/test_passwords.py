"""Password rules: length, no composition rules, common and breached passwords refused."""
from __future__ import annotations

import pytest

from auth import passwords


@pytest.fixture
def ctx(app_ctx):
    return app_ctx


@pytest.mark.parametrize("password", ["kort", "elva-tecken"])
def test_too_short(ctx, password):
    assert passwords.problems(password)


@pytest.mark.parametrize("password", ["qwerty123456", "password1234", "Lösenord1234",
                                      "1qaz2wsx3edc", "sommaren2025"])
def test_common_passwords_are_refused(ctx, password):
    assert any("vanligt" in p or "common" in p for p in passwords.problems(password))


def test_no_composition_rules(ctx):
    assert passwords.problems("bara små bokstäver och mellanslag") == []


def test_username_inside_is_refused(ctx):
    assert passwords.problems("sara-har-ett-bra-lösenord", "sara")


def test_hash_is_argon2id_with_at_least_owasp_parameters(ctx):
    stored = passwords.hash_password("en lång och bra lösenfras")
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2
    assert passwords.verify_password(stored, "en lång och bra lösenfras")
    assert not passwords.verify_password(stored, "en annan lösenfras")
    assert not passwords.verify_password(None, "vad som helst")


def test_shipped_list_is_substantial():
    assert len(passwords.common_passwords()) > 1000
