"""Transfers in a demo school: a CTF from the feeder primary, consents, and a record pack sent.

Everything goes through the app's own import and services, so the demo shows what
a real school would see: histories on Year 7 pupils, one transfer-in decision
waiting for the SENCO, consents (one withdrawn) and a record pack for a leaver that
the receiving school has not acknowledged after 15 school days.
"""

from __future__ import annotations

import datetime as dt
import random

from sendreg.accounts.permissions import Role
from sendreg.imports.kinds import ImportRequest
from sendreg.lib.extensions import DemoSchool
from sendreg.pupils.models import Pupil
from sendreg.register.selectors import needs_on, on_register
from sendreg.transfer import rules, services
from sendreg.transfer.ctf import CtfPupil, CtfSchool, build_ctf
from sendreg.transfer.importing import ctf_plan
from sendreg.transfer.rules import ConsentGiver, SenEntry, SharingPurpose

FEEDER = CtfSchool(lea="801", estab="2345", urn="109876", name="Greenfield Primary School")


def fill(demo: DemoSchool) -> None:
    rng = random.Random(f"{demo.seed}-transfer")  # noqa: S311 - invented data
    senco = demo.staff[Role.SENCO]
    school = demo.school
    year7 = [p for p in demo.pupils if p.year_group == 7]
    registered = set(
        on_register(Pupil.objects.filter(pk__in=[p.pk for p in year7]), day=demo.today).values_list(
            "pk", flat=True
        )
    )
    needs = needs_on(registered, day=demo.today)
    on_reg = [p for p in year7 if p.pk in registered][:4]
    off_reg = [p for p in year7 if p.pk not in registered][:1]
    start = dt.date(demo.today.year - 3, 9, 5)
    pupils = [
        CtfPupil(
            number=n,
            upn=p.upn,
            surname=p.legal_surname,
            forename=p.legal_forename,
            date_of_birth=p.date_of_birth,
            gender=p.gender,
            year_group=6,
            sen=(SenEntry(start, "K"),),
            needs=tuple(needs.get(p.pk, ["SLCN"])),
        )  # fmt: skip
        for n, p in enumerate(on_reg, 1)
    ]
    # A pupil the feeder school had on SEN support and this school has not: a decision waits.
    for p in off_reg:
        pupils.append(
            CtfPupil(
                number=len(pupils) + 1,
                upn=p.upn,
                surname=p.legal_surname,
                forename=p.legal_forename,
                date_of_birth=p.date_of_birth,
                gender=p.gender,
                year_group=6,
                sen=(SenEntry(start, "K"), SenEntry(start.replace(year=start.year + 2), "K")),
                needs=("SPLD", "SLCN"),
            )  # fmt: skip
        )
    content = build_ctf(
        source=FEEDER,
        dest=CtfSchool(lea=school.la_code, estab=school.estab),
        pupils=pupils,
        written_at=dt.datetime.combine(demo.today - dt.timedelta(days=40), dt.time(9, 30)),
    )
    request = ImportRequest(
        school=school,
        data=content,
        filename=rules.ctf_filename(
            source_laestab=FEEDER.laestab, dest_laestab=school.laestab, sequence=1
        ),
        today=demo.today,
    )
    services.ctf_import_apply(plan=ctf_plan(request), by=senco, today=demo.today)

    _consents(demo, rng)
    _record_pack(demo)
    demo.report.append(
        f"Transfers: a CTF from {FEEDER.name} with {len(pupils)} pupils, "
        "consents and a record pack awaiting acknowledgement."
    )


def _consents(demo: DemoSchool, rng: random.Random) -> None:
    senco = demo.staff[Role.SENCO]
    with_parents = [
        p for p in demo.pupils if p.contacts.filter(parental_responsibility=True).exists()
    ][:6]
    for index, pupil in enumerate(with_parents):
        contact = pupil.contacts.filter(parental_responsibility=True).first()
        given_on = demo.today - dt.timedelta(days=rng.randrange(30, 300))
        consent = services.consent_record(
            pupil=pupil,
            given_by=ConsentGiver.PARENT,
            contact=contact,
            given_on=given_on,
            purposes=[SharingPurpose.NEXT_SCHOOL, SharingPurpose.SPECIALISTS]
            if index % 2 == 0
            else [SharingPurpose.HEALTH],
            organisations=["Northshire Educational Psychology Service"] if index == 1 else [],
            notes="Signed form held in the SEN file.",
            by=senco,
            today=demo.today,
        )
        if index == 5:
            services.consent_withdraw(
                consent=consent,
                withdrawn_on=min(demo.today, given_on + dt.timedelta(days=20)),
                note="Parent asked by phone to stop sharing with health services.",
                by=senco,
                today=demo.today,
            )


def _record_pack(demo: DemoSchool) -> None:
    senco = demo.staff[Role.SENCO]
    leavers = [p for p in demo.pupils if p.year_group == 11]
    registered = on_register(Pupil.objects.filter(pk__in=[p.pk for p in leavers]), day=demo.today)
    pupil = registered.order_by("legal_surname", "pk").first()
    if pupil is None:
        return
    # Sent 20 school days ago and not acknowledged: the SENCO's home page asks to chase it.
    sent = demo.today
    for _ in range(20):
        sent -= dt.timedelta(days=1)
        while not rules.is_school_day(sent):
            sent -= dt.timedelta(days=1)
    services.record_pack_make(
        pupil=pupil,
        recipient="Northshire College of Further Education",
        recipient_laestab="",
        recipient_person="Learning support coordinator",
        exception="next_setting",
        reason="",
        by=senco,
        today=sent,
    )
