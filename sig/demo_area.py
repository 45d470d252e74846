"""Demo data of the area-level work: a situation-report group (EST Centrum) with the
police and social services, the local Brå it raises red items with, a compiled report
with one red item answered by the council, an open report for the current period, and
a citizen promise in force.  Idempotent: nothing is added when EST Centrum exists."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from auth.models import User
from kernel import clock
from kernel.db import db
from sig.area import operations
from sig.area.models import AreaGroup


def load(people: dict[str, User]) -> list[str]:
    if db.session.scalar(select(AreaGroup.id).where(AreaGroup.name == "EST Centrum")):
        return []
    cora, per, sara, maria = (people[n] for n in ("cora", "per", "sara", "maria"))
    council = operations.create_group(cora, "Lokalt Brå Exempelkommun", "council", 30, None)
    est = operations.create_group(cora, "EST Centrum", "situation", 14, council)
    for person in (per, sara):
        operations.add_member(cora, est, person, False)
    operations.add_member(cora, council, maria, False)
    today = clock.local_today()
    start = today - dt.timedelta(days=today.weekday() + 14)  # two weeks ago, a Monday
    earlier = operations.open_report(cora, est, start)
    police = operations.membership(per, est)
    social = operations.membership(sara, est)
    operations.submit_part(per, earlier, police, {
        1: operations.Answer("Nedskräpning och skadegörelse vid stationsområdet", 2,
                             "Stationsområdet, kvällstid"),
        2: operations.Answer("Två rån mot unga vid busstationen", 4,
                             "Busstationen, fredagar efter kl. 21"),
        7: operations.Answer("Trygghetsvandring med föreningar och fastighetsägare", None,
                             "")})
    operations.submit_part(sara, earlier, social, {
        4: operations.Answer("Fältgruppen ser fler unga i centrum sena kvällar", 3,
                             "Torget, helger"),
        5: operations.Answer("Oro för langning av alkohol inför lovet", 2, "")})
    colours = {q: ("green", "") for q in range(1, 8)}
    colours[2] = ("red", "Återkommande rån: lyfts till Brå för samverkan med "
                         "kollektivtrafiken")
    colours[4] = ("yellow", "Fältgruppen och polisen samordnar kvällsnärvaro")
    operations.compile_report(cora, earlier, colours)
    raised = operations.escalations_to(council)[0]
    operations.respond(maria, raised, "Brå beslutar om gemensamma kvällsvandringar med "
                                      "kollektivtrafiken under december")
    operations.open_report(cora, est, start + dt.timedelta(days=14))
    operations.save_promise(
        cora, None, title="Tryggare centrum", valid_from=today - dt.timedelta(days=30),
        valid_to=today + dt.timedelta(days=60),
        background="Lägesbilder från EST Centrum hösten och en medborgardialog på torget",
        commitments="Polisen: synlig närvaro vid busstationen fredagar och lördagar\n"
                    "Kommunen: bättre belysning på torget och vid stationen\n"
                    "Fastighetsägarna: snabb sanering av klotter",
        follow_up="Belysningen är beställd; kvällsnärvaron följs upp i varje lägesbild.",
        published=True)
    return ["Area work (login: cora): EST Centrum with a compiled report and an open one, "
            "the local Brå, a citizen promise on /promises"]
