"""Reads of transfers, consents and the transfer log, scoped to what the member may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from sendreg.accounts.models import Membership, School
from sendreg.accounts.permissions import Permission
from sendreg.documents.letters import letter_address

# The letters' rule for protected addresses: also withholds the same address typed again on
# another contact. One rule for every document that leaves the school.
from sendreg.lib.compiled import compiled
from sendreg.lib.pagereads import shared
from sendreg.pupils.models import Contact, Pupil
from sendreg.pupils.selectors import protected_addresses_of, pupils_visible_to, visible_to
from sendreg.register.models import SenEpisode
from sendreg.register.selectors import needs_on
from sendreg.transfer import rules
from sendreg.transfer.ctf import CtfContact, CtfPupil, CtfSchool
from sendreg.transfer.models import Consent, CtfHistory, RecordPack, TransferInDecision

# --- Consent -----------------------------------------------------------------------------


def consents_for(pupil: Pupil) -> list[Consent]:
    """Every consent to share recorded for the pupil, newest first, withdrawn ones included."""
    return list(pupil.sharing_consents.select_related("contact").order_by("-given_on", "-pk"))


def consent_get_for_pupil(pupil: Pupil, pk: int) -> Consent:
    consent = pupil.sharing_consents.filter(pk=pk).first()
    if consent is None:
        raise Http404("No such consent.")
    return consent


@dataclass(frozen=True)
class ConsentCheck:
    """Whether consent covers a sharing action, and which consent does."""

    covered: bool
    consent: Consent | None
    purpose: str
    on: dt.date

    @property
    def purpose_label(self) -> str:
        return rules.SharingPurpose(self.purpose).label


def consent_check(
    pupil: Pupil,
    purpose: str,
    *,
    on: dt.date,
    organisation: str = "",
    consents: Sequence[Consent] | None = None,
) -> ConsentCheck:
    """Whether the pupil's consents cover sharing for ``purpose`` (or with ``organisation``) on
    ``on``: what a sharing action (a record pack, a specialist referral) shows before it goes.

    ``consents`` are the pupil's consents when the caller has them already (``consents_for``).
    """
    by_pk = {c.pk: c for c in (consents if consents is not None else consents_for(pupil))}
    terms = rules.covering_consent([c.terms() for c in by_pk.values()], purpose, on, organisation)
    consent = by_pk[terms.ref] if terms is not None and terms.ref is not None else None
    return ConsentCheck(covered=consent is not None, consent=consent, purpose=purpose, on=on)


# --- Transfer-in decisions ------------------------------------------------------------------


def transfer_in_pending(membership: Membership) -> QuerySet[TransferInDecision]:
    """The transfer-in decisions waiting for the SENCO, oldest first."""
    if not membership.can(Permission.TRANSFER_MANAGE):
        return TransferInDecision.objects.none()
    return (
        TransferInDecision.objects.filter(
            visible_to(membership), outcome=TransferInDecision.Outcome.PENDING
        )
        .select_related("pupil", "history")
        .order_by("history__received_at", "pk")
    )


def transfer_in_get_for_user(membership: Membership, pk: int) -> TransferInDecision:
    decision = (
        TransferInDecision.objects.filter(pk=pk, pupil__in=pupils_visible_to(membership))
        .select_related("pupil", "history")
        .first()
    )
    if decision is None:
        raise Http404("No such transfer.")
    return decision


def histories_for(pupil: Pupil) -> list[CtfHistory]:
    return list(pupil.ctf_histories.select_related("decision").order_by("-received_at", "-pk"))


# --- The transfer log ------------------------------------------------------------------------


def record_packs_for(membership: Membership) -> QuerySet[RecordPack]:
    """The school's transfer log, newest first (for those who may see it)."""
    if not membership.can(Permission.TRANSFER_LOG_VIEW):
        return RecordPack.objects.none()
    return (
        RecordPack.objects.filter(visible_to(membership))
        .select_related("pupil", "sharing")
        .order_by("-sent_on", "-pk")
    )


def record_pack_get_for_user(membership: Membership, pk: int) -> RecordPack:
    pack = record_packs_for(membership).filter(pk=pk).first()
    if pack is None:
        raise Http404("No such record pack.")
    return pack


def record_packs_unacknowledged(school: School) -> QuerySet[RecordPack]:
    """Packs still waiting for the receiving school's acknowledgement, oldest first."""
    return _packs_unacknowledged(school.pk)


def _packs_unacknowledged(school_id: int) -> QuerySet[RecordPack]:
    return (
        RecordPack.objects.filter(pupil__school_id=school_id, acknowledged_on__isnull=True)
        .select_related("pupil", "sharing")
        .order_by("sent_on", "pk")
    )


_packs_unacknowledged_compiled = compiled(_packs_unacknowledged)


def unacknowledged_packs(school: School) -> list[RecordPack]:
    """``record_packs_unacknowledged``, read once per page (``lib.pagereads``): the home
    page's transfer panel and its deadlines both list them."""
    return shared(
        ("transfer.unacknowledged_packs", school.pk),
        lambda: _packs_unacknowledged_compiled(school.pk),
    )


# --- What a CTF says about this school's pupils ----------------------------------------------


def ctf_pupils_by_upn(school: School, upns: Iterable[str]) -> tuple[list[Pupil], list[str]]:
    """The school's pupils with these UPNs (leavers included), and the UPNs it has no pupil for."""
    wanted = [u.strip().upper() for u in upns if u.strip()]
    found = {p.upn: p for p in Pupil.objects.filter(school=school, upn__in=wanted)}
    return [found[u] for u in dict.fromkeys(wanted) if u in found], [
        u for u in dict.fromkeys(wanted) if u not in found
    ]


def source_school(school: School, today: dt.date) -> CtfSchool:
    academic_year = today.year if today.month >= 9 else today.year - 1
    return CtfSchool(
        lea=school.la_code,
        estab=school.estab,
        urn=school.urn,
        name=school.name,
        academic_year=f"{academic_year}/{(academic_year + 1) % 100:02d}",
    )


def ctf_pupils(pupils: Sequence[Pupil], *, today: dt.date) -> list[CtfPupil]:
    """What a CTF carries for each pupil: details, every SEN episode, today's ranked needs and
    the contacts, with no protected address (nor the same address typed on another contact).

    Three queries whatever the number of pupils.
    """
    ids = [p.pk for p in pupils]
    episodes: dict[int, list[rules.Episode]] = {}
    for episode in SenEpisode.objects.filter(pupil_id__in=ids).order_by("start", "pk"):
        episodes.setdefault(episode.pupil_id, []).append(
            rules.Episode(episode.status, episode.start, episode.end)
        )
    needs = needs_on(ids, day=today)
    contacts: dict[int, list[CtfContact]] = {}
    by_pupil: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(pupil_id__in=ids).order_by(
        "-parental_responsibility", "name", "pk"
    ):
        by_pupil.setdefault(contact.pupil_id, []).append(contact)
    for pupil_id, people in by_pupil.items():
        protected = protected_addresses_of(people)
        contacts[pupil_id] = [
            CtfContact(
                name=c.name,
                relationship=c.relationship,
                parental_responsibility=c.parental_responsibility,
                email=c.email,
                phone=c.phone,
                address=letter_address(c, protected),
            )
            for c in people
        ]
    return [
        CtfPupil(
            number=number,
            upn=pupil.upn,
            surname=pupil.legal_surname,
            forename=pupil.legal_forename,
            date_of_birth=pupil.date_of_birth,
            gender=pupil.gender,
            preferred_surname=pupil.preferred_surname,
            preferred_forename=pupil.preferred_forename,
            former_upn=pupil.former_upn,
            year_group=pupil.year_group,
            looked_after=pupil.looked_after,
            medical=pupil.medical,
            sen=tuple(rules.episodes_to_entries(episodes.get(pupil.pk, []))),
            needs=tuple(needs.get(pupil.pk, [])),
            contacts=tuple(contacts.get(pupil.pk, [])),
        )
        for number, pupil in enumerate(pupils, 1)
    ]
