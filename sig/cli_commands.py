"""CLI commands that run inside a configured app."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from sig.db import db

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
    from sig.audit import AuditEvent, record
    from sig.crypto.keys import current_keyring
    from sig.crypto.rotation import count_stale, reencrypt_all
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
    from sig.crypto.keys import current_keyring
    from sig.crypto.rotation import count_stale, reencrypt_all
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


@audit_cli.command("verify")
@click.option("--expect", metavar="SEQ:HASH",
              help="A head recorded earlier (printed by a previous run); fails if the log "
                   "no longer contains that entry unchanged, which catches a rewound tail.")
@with_appcontext
def audit_verify(expect: str | None) -> None:
    """Verify the hash chain; exit 1 and name the first broken entry if it is broken.

    Prints the head (last seq and hash): keep it outside the database (a ticket, the
    syslog) and pass it to --expect next time.
    """
    from sig.audit.models import AuditEntry
    from sig.audit.verify import verify_chain
    from sig.crypto.keys import current_keyring

    verdict = verify_chain(db.session, current_keyring().audit_key)
    click.echo(verdict.message())
    if not verdict.ok:
        raise SystemExit(1)
    last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    if last is not None:
        click.echo(f"Head: {last.seq}:{last.hash}")
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


@demo_cli.command("load")
@with_appcontext
def demo_load() -> None:
    """Create the demo organisations and one account per persona; prints their logins."""
    from sig.demo import load

    for line in load():
        click.echo(line)
