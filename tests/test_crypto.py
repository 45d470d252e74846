"""Personal data at rest: encrypted fields on real rows, tampering and moving, key rotation
through the CLI, file modes of the keys, ``init-instance``, and the blind index.

Tampering is done the way an intruder with database access would: raw SQL on the
stored bytes.  Rotation runs on an app with its *own copy* of the keyring, so the
session-wide keyring used by every other test is never changed.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select, text

from auth.models import User
from auth.roles import Role
from kernel.crypto import DecryptionError, cipher, rotation
from kernel.crypto.blind_index import blind_index
from kernel.crypto.fields import REGISTRY
from kernel.crypto.keys import Keyring, current_keyring
from kernel.db import db
from sig import create_app
from tests.conftest import base_config
from tests.helpers import login

NAME = "Sara Ålund-Testsson"


# --- helpers ----------------------------------------------------------------------------------

def stored(app: Flask, user_id: str, column: str = "display_name_enc") -> bytes | None:
    """The bytes in the database, read with plain SQL (no descriptor, no ORM)."""
    assert re.fullmatch(r"[a-z_]+_enc", column)
    with app.app_context():
        value = db.session.execute(
            text(f"SELECT {column} FROM users WHERE id = :id"),  # noqa: S608 (checked above)
            {"id": user_id}).scalar_one()
    return None if value is None else bytes(value)


def overwrite(app: Flask, user_id: str, column: str, blob: bytes | None) -> None:
    """What an intruder with write access to the database does: UPDATE the bytes."""
    assert re.fullmatch(r"[a-z_]+_enc", column)
    with app.app_context():
        db.session.execute(
            text(f"UPDATE users SET {column} = :blob WHERE id = :id"),  # noqa: S608
            {"blob": blob, "id": user_id})
        db.session.commit()


def read(app: Flask, user_id: str, attribute: str = "display_name"):
    """Read the plaintext through the model in a fresh app context (nothing cached)."""
    with app.app_context():
        return getattr(db.session.get(User, user_id), attribute)


def flip(blob: bytes, position: int, mask: int = 0x01) -> bytes:
    changed = bytearray(blob)
    changed[position] ^= mask
    return bytes(changed)


def layout(blob: bytes) -> dict[str, int]:
    """Offsets inside ``S1 | len | key id | nonce(12) | ciphertext | tag(16)``."""
    header = 3 + blob[2]
    return {"key_id": 3, "nonce": header + 5, "ciphertext": header + cipher.NONCE_BYTES,
            "tag": len(blob) - 1}


@contextlib.contextmanager
def own_app(workdir: str, keyring: str, database_url: str) -> Iterator[Flask]:
    """An app on the same database but with the given keyring file; engine disposed after."""
    other = create_app(base_config(workdir, keyring, database_url))
    try:
        yield other
    finally:
        other.extensions["sig.db"].engine.dispose()


def all_stored_values(app: Flask) -> dict[str, list[bytes]]:
    """Every non-NULL encrypted value in the database, per ``table.field``."""
    out: dict[str, list[bytes]] = {}
    with app.app_context():
        for model, attr_name in REGISTRY:
            field = model.__dict__[attr_name]
            column = getattr(model, field.column_attr)
            out[field.place(model)] = [
                bytes(v) for v in db.session.scalars(select(column).where(column.is_not(None)))]
    return out


def mode_of(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- round trip and what is stored ------------------------------------------------------------

def test_display_name_round_trips_and_is_not_stored_in_clear(app, make_user):
    user = make_user("sara", "social", Role.CASE_OWNER, name=NAME)
    assert read(app, user.id) == NAME
    blob = stored(app, user.id)
    assert blob is not None and blob.startswith(cipher.MAGIC)
    for fragment in (NAME, "Sara", "Ålund", "Testsson"):
        assert fragment.encode("utf-8") not in blob
        assert fragment.encode("utf-16-le") not in blob
        assert fragment.lower().encode() not in blob.lower()
    with app.app_context():
        assert cipher.key_id_of(blob) == current_keyring().active_id


def test_totp_secret_is_not_stored_in_clear(app, sara):
    secret = read(app, sara.id, "totp_secret")
    assert secret and re.fullmatch(r"[A-Z2-7]+", secret)
    blob = stored(app, sara.id, "totp_secret_enc")
    assert secret.encode() not in blob and secret.lower().encode() not in blob.lower()


def test_equal_plaintexts_give_different_ciphertexts(app, make_user):
    first = make_user("sara", "social", Role.CASE_OWNER, name=NAME)
    second = make_user("sara2", "social", Role.CASE_OWNER, name=NAME)
    assert read(app, first.id) == read(app, second.id) == NAME
    assert stored(app, first.id) != stored(app, second.id)


def test_none_is_stored_as_null(app, make_user):
    user = make_user("nils", "school", Role.MEMBER, mfa=False)
    assert stored(app, user.id, "totp_secret_enc") is None
    assert read(app, user.id, "totp_secret") is None


# --- tampering and moving ---------------------------------------------------------------------

@pytest.mark.parametrize("region", ["key_id", "nonce", "ciphertext", "tag"])
def test_one_changed_byte_makes_reading_fail_loudly(app, sara, region):
    blob = stored(app, sara.id)
    overwrite(app, sara.id, "display_name_enc", flip(blob, layout(blob)[region]))
    with pytest.raises(DecryptionError) as raised:
        read(app, sara.id)
    message = str(raised.value)
    assert "users.display_name" in message
    assert "Sara" not in message and "Testsson" not in message


def test_truncated_or_foreign_bytes_fail(app, sara):
    blob = stored(app, sara.id)
    for bad in (blob[:-1], blob[: len(blob) // 2], b"Sara Testsson", b""):
        overwrite(app, sara.id, "display_name_enc", bad)
        with pytest.raises(DecryptionError):
            read(app, sara.id)


def test_every_single_byte_change_raises_decryption_error():
    """Every position and several bit patterns, the header included (a damaged key id
    used to escape as UnicodeDecodeError)."""
    keyring = Keyring.generate()
    blob = cipher.encrypt(keyring, "users.display_name", "row-1", NAME.encode())
    wrong: dict[tuple[int, int], str] = {}
    for position in range(len(blob)):
        for mask in (0x01, 0x80, 0xFF):
            try:
                cipher.decrypt(keyring, "users.display_name", "row-1", flip(blob, position, mask))
                wrong[(position, mask)] = "decrypted!"
            except DecryptionError:
                pass
            except Exception as exc:  # noqa: BLE001 - any other type is the finding
                wrong[(position, mask)] = type(exc).__name__
    assert not wrong, wrong


def test_tampered_name_gives_an_error_page_not_a_silent_blank(app, client, sara, caplog):
    assert login(client, sara).location.endswith("/start")
    blob = stored(app, sara.id)
    overwrite(app, sara.id, "display_name_enc", flip(blob, layout(blob)["ciphertext"]))
    response = client.get("/start")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Sara Testsson" not in body and "users.display_name" not in body
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("DecryptionError" in m for m in errors), errors  # the server log says so
    assert not any("Sara" in m or "Testsson" in m for m in errors)


def test_ciphertext_moved_to_another_row_does_not_decrypt(app, sara, per):
    overwrite(app, per.id, "display_name_enc", stored(app, sara.id))
    with pytest.raises(DecryptionError):
        read(app, per.id)
    assert read(app, sara.id) == "Sara Testsson"  # the original is untouched


def test_ciphertext_moved_to_another_column_does_not_decrypt(app, sara):
    overwrite(app, sara.id, "totp_secret_enc", stored(app, sara.id))
    with pytest.raises(DecryptionError):
        read(app, sara.id, "totp_secret")
    assert read(app, sara.id) == "Sara Testsson"


def test_value_under_a_key_not_in_the_keyring_fails(app, sara):
    foreign = Keyring.generate()
    blob = cipher.encrypt(foreign, "users.display_name", sara.id, b"Sara Testsson")
    overwrite(app, sara.id, "display_name_enc", blob)
    with pytest.raises(DecryptionError) as raised:
        read(app, sara.id)
    assert foreign.active_id in str(raised.value)


def test_value_under_a_known_key_id_but_another_key_fails(app, sara):
    with app.app_context():
        ours = current_keyring()
        impostor = Keyring.generate()
        impostor.data_keys = {ours.active_id: os.urandom(32)}
        impostor.active_id = ours.active_id
    overwrite(app, sara.id, "display_name_enc",
              cipher.encrypt(impostor, "users.display_name", sara.id, b"Sara Testsson"))
    with pytest.raises(DecryptionError):
        read(app, sara.id)


# --- key rotation -----------------------------------------------------------------------------

@pytest.fixture
def keyring_copy(keyring_path: str, tmp_path) -> Iterator[str]:
    """A private copy of the session keyring, made world-readable on purpose (rotation must
    write it back as 0600).  The session keyring itself must come out unchanged."""
    before = Path(keyring_path).read_bytes()
    path = str(tmp_path / "keys.json")
    shutil.copyfile(keyring_path, path)
    os.chmod(path, 0o644)
    yield path
    assert Path(keyring_path).read_bytes() == before, "the session keyring was changed"


@pytest.fixture
def population(app, make_user, sara, per) -> dict[str, tuple[str | None, str | None]]:
    """Five users (one without a second factor): id -> (display name, TOTP secret)."""
    make_user("kim", "school", Role.MEMBER, name="Kim Åkesson")
    make_user("lo", "leisure", Role.MEMBER, name="Lo Ek")
    make_user("nils", "school", Role.MEMBER, mfa=False, name="Nils Öberg")
    with app.app_context():
        return {u.id: (u.display_name, u.totp_secret) for u in db.session.scalars(select(User))}


def rotate(workdir: str, keyring: str, database_url: str, *args: str):
    with own_app(workdir, keyring, database_url) as cli_app:
        return cli_app.test_cli_runner().invoke(args=["keys", "rotate", *args])


def assert_everything_reads_with_only(key_file: str, workdir: str, database_url: str,
                                      expected: dict) -> str:
    """Load the keyring file fresh, write a keyring file holding only its active key,
    and read every value back through an app that has nothing but that file."""
    fresh = Keyring.load(key_file)
    only = Keyring(active_id=fresh.active_id,
                   data_keys={fresh.active_id: fresh.data_keys[fresh.active_id]},
                   blind_index_key=fresh.blind_index_key, audit_key=fresh.audit_key)
    only_file = key_file + ".only-active.json"
    only.save(only_file)
    with own_app(workdir, only_file, database_url) as reader:
        with reader.app_context():
            assert set(current_keyring().data_keys) == {fresh.active_id}
            got = {u.id: (u.display_name, u.totp_secret)
                   for u in db.session.scalars(select(User))}
        assert got == expected
        for place, blobs in all_stored_values(reader).items():
            # only users have data here (and none has given an e-mail address)
            assert blobs or not place.startswith("users.") or place == "users.email", place
            assert {cipher.key_id_of(b) for b in blobs} <= {fresh.active_id}, place
    return fresh.active_id


def test_keys_rotate_reencrypts_everything_and_retires_the_old_key(
        app, population, keyring_path, keyring_copy, workdir, database_url, monkeypatch):
    monkeypatch.setattr(rotation, "BATCH", 2)  # several batches, several progress lines
    old = Keyring.load(keyring_copy)
    before = all_stored_values(app)
    values = sum(len(v) for v in before.values())
    assert {cipher.key_id_of(b) for blobs in before.values() for b in blobs} == {old.active_id}

    result = rotate(workdir, keyring_copy, database_url, "--retire")
    assert result.exit_code == 0, result.output

    # Progress per field, ending at n/n, and the totals.
    progress: dict[str, list[tuple[int, int]]] = {}
    for place, done, total in re.findall(r"^\s*(\w+\.\w+): (\d+)/(\d+)$", result.output, re.M):
        progress.setdefault(place, []).append((int(done), int(total)))
    assert progress["users.display_name"] == [(2, 5), (4, 5), (5, 5)]
    assert progress["users.totp_secret"] == [(2, 4), (4, 4)]
    assert f"Re-encrypted {values} values" in result.output
    assert old.active_id in result.output

    # The keyring file: a new active key only, the other keys unchanged, still 0600.
    fresh = Keyring.load(keyring_copy)
    assert set(fresh.data_keys) == {fresh.active_id} and fresh.active_id != old.active_id
    assert fresh.blind_index_key == old.blind_index_key  # blind indexes stay valid
    assert fresh.audit_key == old.audit_key  # the audit chain stays verifiable
    assert mode_of(keyring_copy) == 0o600
    assert not os.path.exists(keyring_copy + ".tmp")

    new_id = assert_everything_reads_with_only(keyring_copy, workdir, database_url, population)
    assert new_id == fresh.active_id
    after = all_stored_values(app)
    for place, blobs in after.items():
        assert not set(blobs) & set(before[place]), place  # every single value was rewritten

    # The old keyring (the rest of the test session's) can no longer read anything.
    with pytest.raises(DecryptionError):
        read(app, next(iter(population)))

    # The rotation is audited, and the chain still verifies under the (unchanged) audit key.
    with own_app(workdir, keyring_copy, database_url) as checker:
        verify = checker.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0 and "OK" in verify.output
        with checker.app_context():
            last = db.session.execute(text(
                "SELECT event, details FROM audit_entries ORDER BY seq DESC")).first()
    assert last.event == "keys_rotated"
    assert new_id in last.details and f'"values":{values}' in last.details


def test_keys_rotate_keep_old_keeps_both_keys(app, population, keyring_copy, workdir,
                                              database_url):
    old = Keyring.load(keyring_copy)
    result = rotate(workdir, keyring_copy, database_url, "--keep-old")
    assert result.exit_code == 0, result.output
    fresh = Keyring.load(keyring_copy)
    assert set(fresh.data_keys) == {old.active_id, fresh.active_id}
    assert fresh.active_id != old.active_id
    assert_everything_reads_with_only(keyring_copy, workdir, database_url, population)


def test_interrupted_rotation_can_be_run_again(app, population, keyring_copy, workdir,
                                               database_url, monkeypatch):
    monkeypatch.setattr(rotation, "BATCH", 2)
    first = Keyring.load(keyring_copy)
    real_encrypt = cipher.encrypt
    calls = {"n": 0}

    def failing_encrypt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # after the first batch was committed
            raise RuntimeError("power cut")
        return real_encrypt(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(cipher, "encrypt", failing_encrypt)
        broken = rotate(workdir, keyring_copy, database_url)
    assert broken.exit_code != 0 and isinstance(broken.exception, RuntimeError)

    # Both keys were saved before any value was touched; values are under either key.
    middle = Keyring.load(keyring_copy)
    assert set(middle.data_keys) == {first.active_id, middle.active_id}
    ids = {cipher.key_id_of(b) for bs in all_stored_values(app).values() for b in bs}
    assert ids == {first.active_id, middle.active_id}

    again = rotate(workdir, keyring_copy, database_url)
    assert again.exit_code == 0, again.output
    final = assert_everything_reads_with_only(keyring_copy, workdir, database_url, population)
    assert final not in (first.active_id, middle.active_id)


def test_value_written_by_a_running_app_after_rotation_stays_readable(
        app, sara, keyring_copy, workdir, database_url):
    """A web process that loaded its keys before the rotation must not go on writing
    under the key the rotation retires (it would be unreadable afterwards)."""
    secret = read(app, sara.id, "totp_secret")
    with own_app(workdir, keyring_copy, database_url) as web:
        with web.app_context():
            assert read(web, sara.id) == "Sara Testsson"  # the web process has its keys
        assert rotate(workdir, keyring_copy, database_url).exit_code == 0
        with web.app_context():
            db.session.get(User, sara.id).display_name = "Sara Nyström"
            db.session.commit()
        assert read(web, sara.id) == "Sara Nyström"
    with own_app(workdir, keyring_copy, database_url) as later:
        assert read(later, sara.id) == "Sara Nyström"
    assert_everything_reads_with_only(keyring_copy, workdir, database_url,
                                      {sara.id: ("Sara Nyström", secret)})


def test_value_written_under_the_old_key_during_the_pass_is_swept_up(
        app, sara, per, keyring_copy, workdir, database_url, monkeypatch):
    """A request that took the old keyring just before the new file was written and
    commits while the re-encryption pass runs: the rotation sweeps again, so the value
    does not end up under a retired key."""
    expected = {}
    with own_app(workdir, keyring_copy, database_url) as web:
        with web.app_context():
            stale_keyring = current_keyring()  # taken before the rotation starts
            for user in (sara, per):
                row = db.session.get(User, user.id)
                expected[user.id] = (row.display_name, row.totp_secret)
        real_pass = rotation.reencrypt_all
        passes = []

        def pass_with_a_late_writer(session, keyring, report=None):
            changed = real_pass(session, keyring, report)
            if not passes:  # after the first pass, the slow request commits
                with web.app_context():
                    db.session.execute(
                        text("UPDATE users SET display_name_enc = :b WHERE id = :id"),
                        {"b": cipher.encrypt(stale_keyring, "users.display_name", sara.id,
                                             b"Sara Sen"), "id": sara.id})
                    db.session.commit()
                expected[sara.id] = ("Sara Sen", expected[sara.id][1])
            passes.append(changed)
            return changed

        monkeypatch.setattr(rotation, "reencrypt_all", pass_with_a_late_writer)
        result = rotate(workdir, keyring_copy, database_url)
    assert result.exit_code == 0, result.output
    assert len(passes) >= 2 and passes[1] == 1
    assert_everything_reads_with_only(keyring_copy, workdir, database_url, expected)


# --- file modes and init-instance -------------------------------------------------------------

def test_keyring_file_is_mode_0600(keyring_path):
    assert mode_of(keyring_path) == 0o600


def test_keyring_save_creates_0600_even_with_a_permissive_umask(tmp_path):
    path = str(tmp_path / "keys.json")
    old_umask = os.umask(0)
    try:
        Keyring.generate().save(path)
    finally:
        os.umask(old_umask)
    assert mode_of(path) == 0o600
    # A world-readable file already there is replaced by a 0600 one.
    os.chmod(path, 0o644)
    Keyring.load(path).save()
    assert mode_of(path) == 0o600


def test_keyring_round_trips_through_its_file(tmp_path):
    original = Keyring.generate()
    original.add_active()
    path = str(tmp_path / "keys.json")
    original.save(path)
    assert Keyring.load(path) == original


def init_instance(path: str, *args: str):
    from sig.cli import init_instance as command

    return CliRunner().invoke(command, list(args), env={"SIG_INSTANCE_PATH": path})


@pytest.mark.parametrize("args", [(), ("--demo",)])
def test_init_instance_writes_secret_files_0600_and_never_overwrites(tmp_path, args):
    instance = str(tmp_path / "instance")
    first = init_instance(instance, *args)
    assert first.exit_code == 0, first.output
    config_path = os.path.join(instance, "config.py")
    keys_path = os.path.join(instance, "keys.json")
    assert mode_of(config_path) == 0o600 and mode_of(keys_path) == 0o600
    namespace: dict = {}
    exec(Path(config_path).read_text(encoding="utf-8"), namespace)  # noqa: S102 - our own file
    assert len(namespace["SECRET_KEY"]) >= 32
    assert ("MFA_REQUIRED" in namespace) == ("--demo" in args)
    keyring = Keyring.load(keys_path)
    assert len(keyring.data_keys) == 1 and keyring.active_id in keyring.data_keys

    contents = {p: Path(p).read_bytes() for p in (config_path, keys_path)}
    second = init_instance(instance, *args)
    assert second.exit_code == 0, second.output
    assert config_path not in second.output and keys_path not in second.output
    assert {p: Path(p).read_bytes() for p in contents} == contents
    assert mode_of(config_path) == 0o600 and mode_of(keys_path) == 0o600


def test_init_instance_fills_in_only_what_is_missing(tmp_path):
    instance = str(tmp_path / "instance")
    assert init_instance(instance).exit_code == 0
    config_path = os.path.join(instance, "config.py")
    keys_path = os.path.join(instance, "keys.json")
    config_before = Path(config_path).read_bytes()
    keys_before = Path(keys_path).read_bytes()
    os.remove(keys_path)
    result = init_instance(instance)
    assert result.exit_code == 0, result.output
    assert Path(config_path).read_bytes() == config_before
    assert Path(keys_path).read_bytes() != keys_before  # a new keyring, 0600
    assert mode_of(keys_path) == 0o600


# --- blind index ------------------------------------------------------------------------------

PNR = "199001011234"


def test_blind_index_is_deterministic_and_keyed(app_ctx):
    first = blind_index("pnr", PNR)
    assert first == blind_index("pnr", PNR)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert first != hashlib.sha256(PNR.encode()).hexdigest()
    assert first != hashlib.sha256(f"pnr\x00{PNR}".encode()).hexdigest()
    assert PNR not in first


def test_blind_index_differs_across_purposes_and_values(app_ctx):
    assert blind_index("pnr", PNR) != blind_index("pnr_guardian", PNR)
    assert blind_index("pnr", PNR) != blind_index("pnr", "199001011235")


def test_blind_index_differs_across_keys_and_agrees_across_apps_with_the_same_key(
        app, workdir, keyring_path, database_url, tmp_path):
    with app.app_context():
        ours = blind_index("pnr", PNR)
    with own_app(workdir, keyring_path, database_url) as same_keys, same_keys.app_context():
        assert blind_index("pnr", PNR) == ours
    other_path = str(tmp_path / "other-keys.json")
    Keyring.generate().save(other_path)
    with own_app(workdir, other_path, database_url) as other, other.app_context():
        assert blind_index("pnr", PNR) != ours


def test_keys_retire_after_rotation_leaves_only_the_new_key(app, population, keyring_copy,
                                                             workdir, database_url):
    old = Keyring.load(keyring_copy)
    assert rotate(workdir, keyring_copy, database_url).exit_code == 0  # keeps old keys
    assert old.active_id in Keyring.load(keyring_copy).data_keys
    with own_app(workdir, keyring_copy, database_url) as cli_app:
        result = cli_app.test_cli_runner().invoke(args=["keys", "retire"])
    assert result.exit_code == 0, result.output
    assert f"Retired {old.active_id}" in result.output
    fresh = Keyring.load(keyring_copy)
    assert set(fresh.data_keys) == {fresh.active_id} != {old.active_id}
    assert_everything_reads_with_only(keyring_copy, workdir, database_url, population)


def test_a_value_is_decrypted_once_per_object_and_staff_names_once_per_worker(
        app, client, sara, fake_clock, monkeypatch):
    """A page that shows a value twice decrypts it once; a staff name is kept decrypted
    by the worker (by row, ciphertext and the key that opens it) and decrypted again
    when it changes; a youth's data is never kept beyond the object it was read with."""
    from sig.youths.models import Youth
    from tests.case_helpers import register_youth

    login(client, sara, fake_clock=fake_clock)
    youth_id = register_youth(client, name="Alva Ek")
    calls: list[str] = []
    real = cipher.decrypt

    def counting(keyring, place, row_id, blob):
        calls.append(place)
        return real(keyring, place, row_id, blob)

    monkeypatch.setattr(cipher, "decrypt", counting)
    for _request in range(2):
        with app.app_context():
            read_youth = db.session.get(Youth, youth_id)
            assert (read_youth.name, read_youth.name) == ("Alva Ek", "Alva Ek")
            user = db.session.get(User, sara.id)
            assert user.display_name == user.display_name == sara.display_name
    assert calls.count("youths.name") == 2  # once per object, never kept
    assert calls.count("users.display_name") <= 1  # kept by the worker
    with app.app_context():
        db.session.get(User, sara.id).display_name = "Sara Nyberg"
        db.session.commit()
    calls.clear()
    assert read(app, sara.id) == "Sara Nyberg" and calls == ["users.display_name"]
    with app.app_context():
        db.session.get(User, sara.id).display_name = sara.display_name
        db.session.commit()


def test_a_key_added_during_a_request_is_used_at_once(app, sara, keyring_copy, workdir,
                                                      database_url):
    """A request looks at the key file once to open values, and again when a value names
    a key it has not seen; it always encrypts with the file's active key — so a rotation
    that begins mid-request leaves nothing written under the old key."""
    with own_app(workdir, keyring_copy, database_url) as mine, mine.app_context():
        user = db.session.get(User, sara.id)
        assert user.display_name == sara.display_name  # the request now holds a keyring
        old_id = current_keyring().active_id
        rotated = Keyring.load(keyring_copy)
        new_id = rotated.add_active()
        rotated.save(keyring_copy)
        user.display_name = "Sara Nyberg"
        assert cipher.key_id_of(user.display_name_enc) == new_id != old_id
        other = db.session.get(User, sara.id)
        assert other is user and user.display_name == "Sara Nyberg"
        db.session.rollback()
