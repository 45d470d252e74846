"""``sig backup`` and ``sig restore`` (the work is ``sig.backup``'s)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from kernel.audit import AuditEvent, anchor, record
from kernel.db import db
from sig import backup


@click.command("backup")
@click.option("--to", "target", metavar="DIR",
              help="A new directory for the backup (default: "
                   "instance/backups/sig-backup-<time>).")
@with_appcontext
def backup_command(target: str | None) -> None:
    """Copy the database and its key file while the app runs, and verify the copy.

    Succeeds only when the copy is intact, its access log verifies and every encrypted
    value decrypts with the bundled keys.  Keep the directory as secret as the key file.
    """
    config = current_app.config
    target = target or backup.default_target(current_app.instance_path)
    try:
        manifest = backup.make_backup(config["DATABASE_URL"], config["KEYRING_PATH"], target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    head = manifest["audit_head"]
    record(AuditEvent.BACKUP_MADE, details={"audit_head": head["seq"],
                                            "values": manifest["encrypted_values"]})
    db.session.commit()
    click.echo(f"Backup written to {target}")
    click.echo(f"  verified: {manifest['audit_entries']} access-log entries, chain intact; "
               f"{manifest['encrypted_values']} encrypted values decrypt with the bundled "
               f"keys ({', '.join(manifest['key_ids']) or 'none'})")
    click.echo(f"  audit head of the copy: {head['seq']}:{head['hash']}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.option("--replace", is_flag=True,
              help="Replace the installation's database (stop the app servers first; the "
                   "old database and key file are kept beside, renamed).")
@with_appcontext
def restore_command(source: str, replace: bool) -> None:
    """Restore a backup made by `sig backup` into this installation, and verify it."""
    config = current_app.config
    try:
        manifest, check = backup.restore(source, config["DATABASE_URL"],
                                         config["KEYRING_PATH"], replace=replace)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    current_app.extensions.pop("sig.keyring", None)  # the key file may have been replaced
    entry = record(AuditEvent.BACKUP_RESTORED, details={"audit_head": check.audit_head[0],
                                                        "made_at": manifest["created_at"]})
    db.session.commit()
    if config.get("AUDIT_ANCHOR_FILE"):  # the anchors before this restore no longer apply
        anchor.write(config["AUDIT_ANCHOR_FILE"], entry.seq, entry.hash, note="restored")
    click.echo(f"Restored the backup of {manifest['created_at']}: {check.audit_entries} "
               f"access-log entries verified, {check.encrypted_values} encrypted values read.")
