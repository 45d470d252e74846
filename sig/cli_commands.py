"""CLI commands that run inside a configured app."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from kernel.db import db

db_cli = click.Group("db", help="Database schema.")
keys_cli = click.Group("keys", help="Encryption keys.")
audit_cli = click.Group("audit", help="The access log.")
users_cli = click.Group("users", help="Accounts.")
demo_cli = click.Group("demo", help="Demo data.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    from sig.migrate import upgrade

    upgrade(revision)
    click.echo("Database schema is up to date.")
    from sig.youths import name_index  # the name index needs the keys: filled here

    filled = name_index.backfill()
    if filled:
        click.echo(f"Indexed the names of {filled} youths for the case list's search.")


@keys_cli.command("rotate")
@click.option("--retire/--keep-old", default=False,
              help="Remove the old keys at once (only when no app server is running); "
                   "by default they stay until `sig keys retire`.")
@with_appcontext
def keys_rotate(retire: bool) -> None:
    """Make a new data key active and re-encrypt every stored value under it.

    Running app servers pick up the new key file at their next use of a key.  Keep
    the old keys until they have (`sig keys retire` sweeps once more, then removes them).
    """
    from kernel.audit import AuditEvent, record
    from kernel.crypto.keys import current_keyring
    from kernel.crypto.rotation import count_stale, reencrypt_all
    from sig.migrate import import_models

    import_models()
    keyring = current_keyring()
    old_ids = sorted(keyring.data_keys)
    new_id = keyring.add_active()
    keyring.save()  # saved first: an interrupted run can be resumed with both keys present
    click.echo(f"New active key {new_id}; re-encrypting values under {', '.join(old_ids)}.")

    def report(progress) -> None:
        click.echo(f"  {progress.place}: {progress.done}/{progress.total}")

    changed = reencrypt_all(db.session, keyring, report)
    # Values written by running app processes just before they saw the new key file
    # may land behind the pass; sweep again until none is left.
    for _ in range(3):
        stale = count_stale(db.session, keyring)
        if not stale:
            break
        click.echo(f"{stale} values written meanwhile under an old key; sweeping again.")
        changed += reencrypt_all(db.session, keyring, report)
    if stale:
        raise click.ClickException(
            f"{stale} values are still under old keys; the old keys are kept. Run again.")
    record(AuditEvent.KEYS_ROTATED, details={"new_key": new_id, "values": changed})
    db.session.commit()
    click.echo(f"Re-encrypted {changed} values.")
    if retire:
        _retire(keyring)
    else:
        click.echo("Old keys kept; run `sig keys retire` once every app server has "
                   "been running with the new key.")


def _retire(keyring) -> None:
    retired = keyring.retire_all_but_active()
    keyring.save()
    click.echo(f"Retired {', '.join(retired) or 'nothing'}.")


@keys_cli.command("retire")
@with_appcontext
def keys_retire() -> None:
    """Re-encrypt anything still under an old key, then remove the old keys."""
    from kernel.crypto.keys import current_keyring
    from kernel.crypto.rotation import count_stale, reencrypt_all
    from sig.migrate import import_models

    import_models()
    keyring = current_keyring()
    if count_stale(db.session, keyring):
        click.echo(f"Re-encrypted {reencrypt_all(db.session, keyring)} values left under "
                   "old keys.")
    stale = count_stale(db.session, keyring)
    if stale:
        raise click.ClickException(f"{stale} values are still under old keys; nothing retired.")
    _retire(keyring)


@audit_cli.command("anchor")
@with_appcontext
def audit_anchor() -> None:
    """Write the audit head to the system log and the anchor file (run it by a timer)."""
    from kernel.audit import anchor
    from kernel.audit.models import AuditHead

    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not path:
        raise click.ClickException("AUDIT_ANCHOR_FILE is not configured.")
    head = db.session.get(AuditHead, 1)
    if head is None or head.seq == 0:
        raise click.ClickException("The access log is empty; nothing to anchor.")
    click.echo(anchor.write(path, head.seq, head.hash))


@audit_cli.command("verify")
@click.option("--expect", metavar="SEQ:HASH",
              help="A head recorded earlier (printed by a previous run); fails if the log "
                   "no longer contains that entry unchanged, which catches a rewound tail. "
                   "By default the last head in the anchor file (`sig audit anchor`).")
@with_appcontext
def audit_verify(expect: str | None) -> None:
    """Verify the hash chain; exit 1 and name the first broken entry if it is broken.

    Prints the head (last seq and hash).  Checks that the last anchored head
    (AUDIT_ANCHOR_FILE) is still in the log unchanged, or the one given with --expect.
    """
    from kernel.audit.models import AuditEntry
    from kernel.audit.verify import verify_chain
    from kernel.crypto.keys import current_keyring

    verdict = verify_chain(db.session, current_keyring().audit_key)
    click.echo(verdict.message())
    if not verdict.ok:
        raise SystemExit(1)
    last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    if last is not None:
        click.echo(f"Head: {last.seq}:{last.hash}")
    if expect is None:
        from kernel.audit import anchor

        path = current_app.config.get("AUDIT_ANCHOR_FILE")
        anchored = anchor.last(path) if path else None
        if anchored is not None:
            expect = f"{anchored[0]}:{anchored[1]}"
            click.echo(f"Checking against the anchored head {anchored[0]}.")
    if expect:
        seq, _, digest = expect.partition(":")
        recorded = db.session.get(AuditEntry, int(seq)) if seq.isdigit() else None
        if recorded is None or recorded.hash != digest:
            click.echo(f"BROKEN: the recorded head {seq} is missing or changed.")
            raise SystemExit(1)


@users_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Full name.")
@click.option("--organisation", default="Kommunens IT", show_default=True)
@click.password_option(help="At least 12 characters; prompted for when not given.")
@with_appcontext
def create_admin(username: str, display_name: str, organisation: str, password: str) -> None:
    """Create the first administrator (and their organisation if it does not exist)."""
    from auth.admin.operations import AdminError, create_organisation, create_user
    from auth.models import Organisation, User
    from auth.roles import OrganisationKind, Role

    if db.session.scalar(select(User.id).where(User.username == username.lower())):
        raise click.ClickException(f"The username {username!r} is already taken.")
    org = db.session.scalar(select(Organisation).where(Organisation.name == organisation))
    if org is None:
        org = create_organisation(organisation, OrganisationKind.OTHER)
    try:
        create_user(username, display_name, org.id, Role.ADMIN, password=password)
    except AdminError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Administrator {username} created.")


@users_cli.command("purge-sessions")
@with_appcontext
def purge_sessions() -> None:
    """Delete session rows that ended or expired more than a day ago."""
    from auth.session_cleanup import purge

    click.echo(f"Deleted {purge(current_app.config)} old sessions.")


# --- account administration (the admin pages' operations, from the command line) ---------
# Each change goes through auth.admin.operations, which writes the audit entry; with no
# logged-in user its actor is empty.


def _role(value: str) -> str:
    from auth.roles import Role

    try:
        return str(Role(value.strip().lower()))
    except ValueError:
        raise click.ClickException(
            f"Unknown role {value!r}; use one of: {', '.join(Role)}.") from None


def _kind(value: str) -> str:
    from auth.roles import OrganisationKind

    try:
        return str(OrganisationKind(value.strip().lower()))
    except ValueError:
        raise click.ClickException(
            f"Unknown organisation type {value!r}; use one of: "
            f"{', '.join(OrganisationKind)}.") from None


def _organisation_named(name: str):
    """The organisation with this name: exact, else the only one equal ignoring case."""
    from auth.models import Organisation

    wanted = name.strip()
    orgs = list(db.session.scalars(select(Organisation)))
    found = ([org for org in orgs if org.name == wanted]
             or [org for org in orgs if org.name.casefold() == wanted.casefold()])
    if len(found) != 1:
        raise click.ClickException(
            f"No organisation named {wanted!r}; `sig users organisations` lists them."
            if not found else f"Several organisations are named {wanted!r} ignoring case; "
                              "give the name exactly.")
    return found[0]


def _user_named(username: str):
    from auth.models import User

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    return user


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(cell).ljust(width)
                             for cell, width in zip(row, widths, strict=True)).rstrip())


@users_cli.command("list")
@with_appcontext
def users_list() -> None:
    """List accounts: username, organisation, role, status and two-factor set-up."""
    from sqlalchemy.orm import joinedload

    from auth.models import User

    users = db.session.scalars(select(User).options(joinedload(User.organisation))
                               .order_by(User.username)).all()
    _table(("USERNAME", "ORGANISATION", "ROLE", "STATUS", "2FA"),
           [(u.username, u.organisation.name, u.role,
             "active" if u.active else "deactivated",
             "set up" if u.mfa_enrolled else "not set up") for u in users])


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Full name.")
@click.option("--organisation", required=True, help="Organisation name.")
@click.option("--role", required=True,
              help="case_owner, member, manager, admin or auditor.")
@with_appcontext
def users_create(username: str, display_name: str, organisation: str, role: str) -> None:
    """Create an account; prints its temporary password once (changed at first login)."""
    import re

    from sqlalchemy import func

    from auth.admin.forms import USERNAME_PATTERN
    from auth.admin.operations import Taken, create_user
    from auth.models import User

    username = username.strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise click.ClickException(
            f"Invalid username {username!r}: use 2–64 lowercase letters a–z, digits, dot, "
            "dash or underscore, starting with a letter or digit.")
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise click.ClickException("The full name must be 1–200 characters.")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise click.ClickException(f"The username {username!r} is already taken.")
    role = _role(role)
    org = _organisation_named(organisation)
    try:
        _, initial = create_user(username, display_name, org.id, role)
    except Taken:
        raise click.ClickException(f"The username {username!r} is already taken.") from None
    click.echo(f"Account {username} created ({role}, {org.name}).")
    click.echo(f"Temporary password (shown only now; must be changed at first login): "
               f"{initial}")


@users_cli.command("deactivate")
@click.argument("username")
@with_appcontext
def users_deactivate(username: str) -> None:
    """Deactivate an account and end its sessions."""
    from auth.admin.operations import set_active

    user = _user_named(username)
    if not user.active:
        click.echo(f"{user.username} is already deactivated; nothing changed.")
        return
    set_active(user, False, None)
    click.echo(f"{user.username} is deactivated and their sessions are ended.")


@users_cli.command("reactivate")
@click.argument("username")
@with_appcontext
def users_reactivate(username: str) -> None:
    """Make a deactivated account active again."""
    from auth.admin.operations import set_active

    user = _user_named(username)
    if user.active:
        click.echo(f"{user.username} is already active; nothing changed.")
        return
    set_active(user, True, None)
    click.echo(f"{user.username} is active again.")


@users_cli.command("reset-password")
@click.argument("username")
@with_appcontext
def users_reset_password(username: str) -> None:
    """Set a temporary password (printed once; changed at next login); sessions end."""
    from auth.admin.operations import reset_password

    user = _user_named(username)
    initial = reset_password(user)
    click.echo(f"Password of {user.username} reset; their sessions are ended.")
    click.echo(f"Temporary password (shown only now; must be changed at next login): "
               f"{initial}")


@users_cli.command("reset-2fa")
@click.argument("username")
@with_appcontext
def users_reset_2fa(username: str) -> None:
    """Remove the second factor; the user sets it up again at next login. Sessions end."""
    from auth.admin.operations import reset_second_factor

    user = _user_named(username)
    reset_second_factor(user)
    click.echo(f"Two-factor login of {user.username} reset; they set it up again at the "
               "next login. Their sessions are ended.")


@users_cli.command("set-role")
@click.argument("username")
@click.option("--role", required=True, help="case_owner, member, manager, admin or auditor.")
@click.option("--organisation", help="Move to this organisation (default: keep the current).")
@with_appcontext
def users_set_role(username: str, role: str, organisation: str | None) -> None:
    """Change an account's role (and organisation); its sessions end if anything changed."""
    from auth.admin.operations import AdminError, change_role_and_organisation

    user = _user_named(username)
    role = _role(role)
    org = _organisation_named(organisation) if organisation else user.organisation
    if user.role == role and user.organisation_id == org.id:
        click.echo(f"{user.username} is already {role} at {org.name}; nothing changed.")
        return
    try:
        change_role_and_organisation(user, role, org.id)
    except AdminError as exc:
        raise click.ClickException(
            f"{user.username} owns open cases; hand them over before moving them to "
            "another organisation.") from exc
    click.echo(f"{user.username} is now {role} at {org.name}; their sessions are ended.")


@users_cli.command("organisations")
@with_appcontext
def users_organisations() -> None:
    """List organisations with their type and number of accounts."""
    from sqlalchemy import func

    from auth.models import Organisation, User

    counts = dict(db.session.execute(
        select(User.organisation_id, func.count()).group_by(User.organisation_id)).all())
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    _table(("ORGANISATION", "TYPE", "ACCOUNTS"),
           [(org.name, org.kind, str(counts.get(org.id, 0))) for org in orgs])


@users_cli.command("create-organisation")
@click.argument("name")
@click.option("--kind", required=True, help="police, school, social_services or other.")
@with_appcontext
def users_create_organisation(name: str, kind: str) -> None:
    """Create an organisation."""
    from auth.admin.operations import create_organisation
    from auth.models import Organisation

    name = name.strip()
    if not name or len(name) > 200:
        raise click.ClickException("The organisation name must be 1–200 characters.")
    kind = _kind(kind)
    if any(org.name.casefold() == name.casefold()
           for org in db.session.scalars(select(Organisation))):
        raise click.ClickException(f"An organisation named {name!r} already exists.")
    org = create_organisation(name, kind)
    click.echo(f"Organisation {org.name} ({org.kind}) created.")


@demo_cli.command("load")
@with_appcontext
def demo_load() -> None:
    """Create the demo organisations and one account per persona; prints their logins."""
    from sig.demo import load

    for line in load():
        click.echo(line)
