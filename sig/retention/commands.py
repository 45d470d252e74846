"""``sig retention``: see what is due, purge it, and keep cases under a legal hold.

    sig retention run              # the dry run (counts by year, no names), then asks
    sig retention run --dry-run    # only the dry run
    sig retention run --yes --archive /var/lib/sig/archive   # a timer's run
    sig retention hold SIG-CB7F6D80 --reason "Begäran från förvaltningsrätten"
    sig retention release SIG-CB7F6D80
"""
from __future__ import annotations

import re
from collections import Counter

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from kernel import clock
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.models import Case
from sig.retention import archive, due, purge
from sig.retention.models import RetentionHold

retention_cli = click.Group("retention", help="Retention (gallring) of closed cases.")


def _dry_run(found: list[due.Candidate]) -> None:
    todo = [c for c in found if c.kept_because is None]
    by_year = Counter(c.last_entry.year for c in todo)
    click.echo(f"Due on {clock.local_today().isoformat()}: {len(todo)} closed cases "
               f"({len({c.youth_id for c in todo})} youths).")
    for year, count in sorted(by_year.items()):
        click.echo(f"  last entry in {year}: {count}")
    kept = Counter(c.kept_because for c in found if c.kept_because)
    for why, count in sorted(kept.items()):
        click.echo(f"  kept ({why.replace('_', ' ')}): {count}")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only show what is due.")
@click.option("--yes", is_flag=True, help="Purge without asking (for a timer).")
@click.option("--archive", "archive_dir", metavar="DIR",
              help="Write each case's archive file (sig.retention.archive) here first.")
@with_appcontext
def run(dry_run: bool, yes: bool, archive_dir: str | None) -> None:
    """Delete the personal data of closed cases whose retention time has passed."""
    found = due.candidates(clock.local_today())
    _dry_run(found)
    todo = [c for c in found if c.kept_because is None]
    if dry_run or not todo:
        return
    if not yes and not click.confirm("Delete their personal data now?", default=False):
        click.echo("Nothing deleted.")
        return
    if archive_dir:
        for candidate in todo:
            archive.write(db.session.get(Case, candidate.case_id), archive_dir)
        click.echo(f"Archive files written to {archive_dir}: {len(todo)}")
    result = purge.purge(found)
    db.session.commit()
    purge.compact()
    click.echo(f"Purged {result.cases} cases and {result.youths} youths' register entries.")


_PSEUDONYM = re.compile(r"^SIG-([0-9A-F]{8})$", re.IGNORECASE)


def _case(reference: str) -> Case:
    found = _PSEUDONYM.match(reference.strip())
    if not found:
        raise click.BadParameter("write the case's pseudonym, e.g. SIG-CB7F6D80")
    cases = db.session.scalars(select(Case).where(
        Case.id.like(found.group(1).lower() + "%"))).all()
    if len(cases) != 1:
        raise click.BadParameter(f"no single case is {reference}")
    return cases[0]


@retention_cli.command("hold")
@click.argument("reference")
@click.option("--reason", required=True, help="Why the case is kept (it is encrypted).")
@with_appcontext
def hold(reference: str, reason: str) -> None:
    """Keep a case's personal data until the hold is released."""
    case = _case(reference)
    held = db.session.scalar(select(RetentionHold).where(RetentionHold.case_id == case.id)) \
        or RetentionHold(case_id=case.id)
    held.reason = reason.strip()
    db.session.add(held)
    record(AuditEvent.RETENTION_HOLD_SET, target_type="case", target_ref=case.id)
    db.session.commit()
    click.echo(f"{case.reference} is kept until the hold is released.")


@retention_cli.command("release")
@click.argument("reference")
@with_appcontext
def release(reference: str) -> None:
    """Release a legal hold: the case is purged when it is due."""
    case = _case(reference)
    held = db.session.scalar(select(RetentionHold).where(RetentionHold.case_id == case.id))
    if held is None:
        raise click.ClickException(f"{case.reference} has no legal hold")
    db.session.delete(held)
    record(AuditEvent.RETENTION_HOLD_RELEASED, target_type="case", target_ref=case.id)
    db.session.commit()
    click.echo(f"The hold on {case.reference} is released.")
