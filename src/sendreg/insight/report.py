"""The SEN information report: the school's figures for it, saving and publishing it, its files.

Reads (``report_*`` selectors), writes (``information_report_*`` services, each audited)
and the document (one ``lib.documents.Document`` for the page's PDF and Word file).

The report is public: it names no pupil, and every count from 1 to 4 reads "fewer than
5" (with any count from which one could be worked out withheld as well), as
``lib.figures.suppress_breakdown`` does for everyone who sees only figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from sendreg import codes
from sendreg.accounts.models import School, User
from sendreg.accounts.permissions import Role
from sendreg.audit.services import audit_record
from sendreg.insight import report_rules as rules
from sendreg.insight.report_models import InformationReport, ReportEvent
from sendreg.lib.compiled import compiled
from sendreg.lib.documents import Block, Bullets, Document, Facts, Heading, Paragraph, Table
from sendreg.lib.figures import suppress_breakdown
from sendreg.lib.plain_english import load_glossary, spell_out_document
from sendreg.provision.models import Intervention
from sendreg.provision.selectors import training_summary
from sendreg.register.selectors import register_counts

ReportFacts = rules.ReportFacts

# --- Reads ----------------------------------------------------------------------------------


def need_words(value: str) -> str:
    """A need type or broad area in words, for parents: "Specific learning difficulty"."""
    found = codes.need_type(value)
    if found is not None:
        return found.meaning
    try:
        return codes.BroadArea(value).label
    except ValueError:
        return value


def senco_names(school: School) -> tuple[str, ...]:
    """The names of the school's SENCOs (not deputies), alphabetically."""
    return tuple(name or email for name, email in _sencos_of(school.pk))


@compiled
def _sencos_of(school_id: int) -> QuerySet[Any]:
    return (
        User.objects.filter(
            memberships__school_id=school_id, memberships__role=Role.SENCO, is_active=True
        )
        .order_by("name", "pk")
        .values_list("name", "email")
    )


def _intervention_purpose(intervention: Intervention) -> str:
    targets = [need_words(c) for c in intervention.need_codes] + [
        need_words(a) for a in intervention.areas
    ]
    return "For " + ", ".join(targets).lower() if targets else ""


def report_facts(school: School, *, day: dt.date) -> ReportFacts:
    """What the report would state about the school today, from its records."""
    counts = register_counts(school, day=day)
    interventions = Intervention.objects.filter(school=school, active=True).order_by("name", "pk")
    return ReportFacts(
        counted_on=day,
        roll=counts.roll,
        ehc=counts.ehc,
        support=counts.support,
        needs=tuple(counts.by_need),
        senco_names=senco_names(school),
        school_phone=school.phone,
        school_email=school.email,
        school_address=school.address,
        sendiass_name=school.sendiass_name,
        sendiass_phone=school.sendiass_phone,
        sendiass_website=school.sendiass_website,
        local_offer_url=school.local_offer_url,
        interventions=tuple((i.name, _intervention_purpose(i)) for i in interventions),
        training=tuple(
            (need_words(a.need_area), a.people, a.awareness, a.enhanced, a.specialist)
            for a in training_summary(school)
        ),
    )


def reports_of(school: School) -> list[InformationReport]:
    return list(InformationReport.objects.filter(school=school).order_by("-year"))


def report_for_year(school: School, year: int) -> InformationReport | None:
    return InformationReport.objects.filter(school=school, year=year).first()


def report_or_new(school: School, year: int) -> InformationReport:
    """The school's report for ``year``, or an unsaved one holding the starter text."""
    found = report_for_year(school, year)
    if found is not None:
        return found
    return InformationReport(school=school, year=year, texts=rules.starter_texts())


def latest_published(school: School) -> InformationReport | None:
    found = _latest_published(school.pk)
    return found[0] if found else None


@compiled
def _latest_published(school_id: int) -> QuerySet[InformationReport]:
    return InformationReport.objects.filter(
        school_id=school_id, published_on__isnull=False
    ).order_by("-published_on", "-year")[:1]


def published_report(urn: str, year: int | None = None) -> InformationReport:
    """A published report by the school's URN and year (the latest without one), for the
    public page: 404 when there is none."""
    reports = InformationReport.objects.filter(school__urn=urn, published_on__isnull=False)
    if year is not None:
        reports = reports.filter(year=year)
    found = reports.select_related("school").order_by("-year").first()
    if found is None:
        raise Http404("No published SEN information report for that school and year.")
    return found


def public_url(report: InformationReport) -> str:
    return reverse("information_report_public", args=[report.school.urn, report.year])


def report_reminders(school: School, *, today: dt.date) -> list[str]:
    """Why the school's published report needs updating (empty when it does not)."""
    published = latest_published(school)
    if published is None or published.published_on is None:
        return rules.reminders(published_on=None, stated=None, now=None, today=today)
    stated = ReportFacts.from_json(published.published_facts)
    counts = register_counts(school, day=today)
    # The reminders compare only the SENCOs and the EHC and support counts: those are read
    # now (the home page reads the counts anyway), not the whole report's facts.
    now = replace(
        stated,
        counted_on=today,
        roll=counts.roll,
        ehc=counts.ehc,
        support=counts.support,
        needs=tuple(counts.by_need),
        senco_names=senco_names(school),
    )
    return rules.reminders(published_on=published.published_on, stated=stated, now=now, today=today)


# --- Writes ---------------------------------------------------------------------------------


@transaction.atomic
def information_report_save(
    *, school: School, year: int, texts: Mapping[str, str], by: User, today: dt.date
) -> InformationReport:
    """Save the text under each heading of the school's report for ``year`` (made if new).

    Changes the draft only: the published report stays as it was until published again.
    Audited with the headings that changed, old and new.
    """
    rules.validate_year(year, today=today)
    cleaned = rules.clean_texts(texts)
    report = InformationReport.objects.select_for_update().filter(school=school, year=year).first()
    before: dict[str, str] = {}
    if report is None:
        report = InformationReport(school=school, year=year)
    else:
        before = dict(report.texts)
    old = {k: before.get(k, "") for k in cleaned if before.get(k, "") != cleaned[k]}
    if report.pk is not None and not old:
        return report
    report.texts = cleaned
    report.updated_by = by
    report.full_clean()
    report.save()
    audit_record(
        type=ReportEvent.TEXT_CHANGED,  # type: ignore[arg-type]
        school_id=school.pk,
        target=report,
        by=by,
        old=old,
        new={k: cleaned[k] for k in old},
        reason=f"School year {rules.year_label(year)}",
    )
    return report


@transaction.atomic
def information_report_publish(
    *, report: InformationReport, by: User, today: dt.date
) -> InformationReport:
    """Publish the report's text with the school's figures as they are ``today``.

    Refused (nothing changed) while a heading is empty. The public page, PDF and Word
    file show what is published here until the next publication.
    """
    rules.validate_publishable(report.texts)
    facts = report_facts(report.school, day=today)
    old = {"published_on": report.published_on.isoformat() if report.published_on else None}
    report.published_on = today
    report.published_texts = dict(report.texts)
    report.published_facts = facts.as_json()
    report.updated_by = by
    report.save(
        update_fields=[
            "published_on", "published_texts", "published_facts", "updated_by", "updated_at"
        ]
    )  # fmt: skip
    audit_record(
        type=ReportEvent.PUBLISHED,  # type: ignore[arg-type]
        school_id=report.school_id,
        target=report,
        by=by,
        old=old,
        new={
            "published_on": today.isoformat(),
            "ehc": facts.ehc,
            "support": facts.support,
            "senco": list(facts.senco_names),
        },
        reason=f"School year {rules.year_label(report.year)}",
    )
    return report


# --- What the report shows ------------------------------------------------------------------


@dataclass(frozen=True)
class ShownFigures:
    """The report's figures as the public may see them: small counts withheld."""

    ehc: str
    support: str
    on_register: str
    needs: list[tuple[str, str]]
    roll: int


def shown_figures(facts: ReportFacts) -> ShownFigures:
    statuses = suppress_breakdown([facts.ehc, facts.support], total=facts.ehc + facts.support)
    needs = suppress_breakdown([n for _, n in facts.needs], total=facts.ehc + facts.support)
    total = statuses.total if isinstance(needs.total, int) else needs.total
    return ShownFigures(
        ehc=str(statuses.cells[0]),
        support=str(statuses.cells[1]),
        on_register=str(total),
        needs=[
            (need_words(code), str(n))
            for (code, _), n in zip(facts.needs, needs.cells, strict=True)
        ],
        roll=facts.roll,
    )


def contact_lines(facts: ReportFacts, school: School) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    if facts.senco_names:
        label = "Special educational needs co-ordinator (SENCO)"
        lines.append((label, rules.names_list(facts.senco_names)))
    reach = ", ".join(v for v in (facts.school_phone, facts.school_email) if v)
    if reach:
        lines.append((f"Contact {school.name}", reach))
    if facts.school_address:
        lines.append(("School address", facts.school_address.replace("\n", ", ")))
    if facts.sendiass_name:
        advice = ", ".join(
            v for v in (facts.sendiass_name, facts.sendiass_phone, facts.sendiass_website) if v
        )
        lines.append(
            ("Free, impartial advice for families (SEND information, advice and support)", advice)
        )
    return lines


@dataclass(frozen=True)
class ShownSection:
    key: str
    title: str
    text: str
    facts: str


def sections(texts: Mapping[str, str]) -> list[ShownSection]:
    return [ShownSection(h.key, h.title, texts.get(h.key, ""), h.facts) for h in rules.HEADINGS]


def figures_blocks(facts: ReportFacts, figures: ShownFigures, school: School) -> list[Block]:
    blocks: list[Block] = [
        Paragraph(
            f"On {facts.counted_on:%-d %B %Y} {school.name} had {facts.roll} pupils on roll. "
            f"Of these, {figures.ehc} had an education, health and care (EHC) plan and "
            f"{figures.support} were on SEN support."
        )
    ]
    if figures.needs:
        blocks.append(
            Table(
                header=("Main kind of need", "Pupils"),
                rows=tuple((label, count) for label, count in figures.needs),
                caption="Pupils with an EHC plan or on SEN support, by their main need",
            )
        )
    return blocks


def report_document(report: InformationReport, *, draft_on: dt.date | None = None) -> Document:
    """The report as a document (PDF and Word): the published one, or with ``draft_on`` the
    draft with that day's figures (for the school to check before publishing)."""
    school = report.school
    published = draft_on is None
    if draft_on is None:
        texts = report.published_texts
        facts = ReportFacts.from_json(report.published_facts)
    else:
        texts = report.texts
        facts = report_facts(school, day=draft_on)
    figures = shown_figures(facts)
    blocks: list[Block] = []
    for section in sections(texts):
        blocks.append(Heading(section.title))
        for paragraph in section.text.split("\n\n"):
            if paragraph.strip():
                blocks.append(Paragraph(paragraph.strip()))
        if section.facts == "figures":
            blocks += figures_blocks(facts, figures, school)
        elif section.facts == "interventions" and facts.interventions:
            blocks.append(
                Bullets(tuple(f"{n}. {p}." if p else f"{n}." for n, p in facts.interventions))
            )
        elif section.facts == "training" and facts.training:
            blocks.append(
                Table(
                    header=("Need", "Staff trained", "Awareness", "Enhanced", "Specialist"),
                    rows=tuple(
                        (area, str(p), str(a), str(e), str(s))
                        for area, p, a, e, s in facts.training
                    ),
                    caption="Training our staff have had, by need and level",
                )
            )
        elif section.facts == "contacts":
            blocks.append(Facts(tuple(contact_lines(facts, school))))
        elif section.facts == "local_offer" and facts.local_offer_url:
            blocks.append(Paragraph(f"The local offer: {facts.local_offer_url}"))
    when = (
        f"Published on {report.published_on:%-d %B %Y}"
        if published and report.published_on
        else "Draft, not yet published"
    )
    document = Document(
        title=f"SEN information report {rules.year_label(report.year)}",
        subtitle=f"{school.name}. {when}.",
        blocks=blocks,
        footer=f"{school.name}: SEN information report {rules.year_label(report.year)}",
        author=school.name,
    )
    return spell_out_document(document, load_glossary())
