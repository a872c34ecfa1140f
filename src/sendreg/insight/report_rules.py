"""The SEN information report's rules: its headings, its starting text, and when it is stale.

Every maintained school and academy must publish on its website an SEN information
report, updated every year and whenever what it says changes (SEN Code of Practice
6.79 to 6.83; seeds 001 and 004). The headings below are the ones the regulations
list, in their order, with two more at the start and in the middle that carry the
school's own figures and provision. Pure functions: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from sendreg.provision.rules import school_year_label as year_label
from sendreg.provision.rules import school_year_of as school_year_of

__all__ = ["school_year_of", "year_label"]

#: A published report older than this many days is due to be updated.
STALE_AFTER_DAYS = 365
#: Each heading's text is at most this long: a report parents read, not a policy.
MAX_TEXT = 6000
#: The first school year a report can be for (the Code of Practice began in 2014).
FIRST_YEAR = 2014

EMPTY_HEADINGS = "Write something under each heading before publishing. Empty: {headings}."
TEXT_TOO_LONG = "“{heading}” is {length} characters long; keep each heading under {limit}."
UNKNOWN_HEADING = "The report has no heading called “{key}”."
YEAR_OUT_OF_RANGE = "A report can be for a school year from {first} to {last}."


@dataclass(frozen=True)
class ReportHeading:
    key: str
    title: str
    #: What the heading must cover, shown to the writer beside the box.
    covers: str
    #: The text a school starts from: plain, general, meant to be rewritten.
    starter: str
    #: Which of the school's own figures are printed under the text (see ``ReportFacts``).
    facts: str = ""


HEADINGS: tuple[ReportHeading, ...] = (
    ReportHeading(
        "our_pupils",
        "Our pupils with special educational needs",
        "Who the report is for, and the kinds of need among the pupils the school supports.",
        "Every child is entitled to an education that lets them achieve their best. This report "
        "explains how we support pupils with special educational needs (SEN) and disabilities. "
        "The figures below come from our SEN register.",
        facts="figures",
    ),
    ReportHeading(
        "identifying",
        "How we identify special educational needs and assess them",
        "Identifying children and young people with SEN and assessing their needs.",
        "Teachers check every pupil's progress each term. When a pupil makes less progress than "
        "expected, the teacher talks to the special educational needs co-ordinator (SENCO) and "
        "to the family. We look at what the pupil finds hard, gather advice and decide together "
        "whether extra support is needed.",
    ),
    ReportHeading(
        "progress",
        "How we check progress, with parents and pupils",
        "Assessing and reviewing progress towards outcomes, and working with parents and pupils "
        "as part of it.",
        "We agree with each pupil and their family what the support should achieve. We put it "
        "in place, and review it together at least three times a year. Parents and pupils are "
        "asked for their views at every review.",
    ),
    ReportHeading(
        "transitions",
        "Moving between phases, and preparing for adulthood",
        "Supporting pupils when they move between phases of education and as they prepare for "
        "adulthood: further study, work, independent living and being part of the community.",
        "Before a pupil joins or leaves us we share information with the other school or "
        "college, with the family's agreement. Extra visits can be arranged. Older pupils get "
        "careers advice that takes account of their needs and ambitions.",
    ),
    ReportHeading(
        "adaptations",
        "How we adapt teaching, the curriculum and the school",
        "Adaptations to the curriculum, teaching and the learning environment, and access to "
        "aids and assistive technology.",
        "Teachers adapt lessons so that every pupil can take part, for example with visual "
        "prompts, pre-teaching of new words, or changes to seating. Pupils who need it can use "
        "equipment such as laptops, coloured overlays or ear defenders.",
    ),
    ReportHeading(
        "provision",
        "The extra help we offer",
        "The interventions and support the school runs for pupils with SEN.",
        "Besides good teaching in every lesson, we offer the following extra help. Which pupils "
        "take part depends on their needs, and we check how well it works.",
        facts="interventions",
    ),
    ReportHeading(
        "expertise",
        "Our staff's expertise and training",
        "Securing expertise among teachers and other staff, and the specialists the school "
        "works with.",
        "Our staff are trained to support the needs of our pupils. When we need more expertise "
        "we ask specialists, such as educational psychologists or speech and language "
        "therapists. The training our staff have had is listed below.",
        facts="training",
    ),
    ReportHeading(
        "effectiveness",
        "How we judge whether the help works",
        "Assessing and evaluating the effectiveness of the provision for pupils with SEN.",
        "We measure each pupil's progress before and after extra help, and review the support "
        "at each review. The SENCO reports to governors each term on how well our provision is "
        "working.",
    ),
    ReportHeading(
        "activities",
        "Taking part in activities",
        "Enabling pupils with SEN to use the facilities and join the activities open to all "
        "pupils, including those outside lessons.",
        "All our clubs, trips and activities are open to every pupil. We plan ahead with "
        "families so that pupils with SEN can take part, and make reasonable adjustments where "
        "they are needed.",
    ),
    ReportHeading(
        "wellbeing",
        "Emotional and social development",
        "Supporting emotional and social development, listening to pupils' views, and "
        "preventing bullying.",
        "Every pupil has a trusted adult they can talk to. We ask pupils with SEN for their "
        "views and act on them. Bullying is never accepted, and we act quickly when it is "
        "reported.",
    ),
    ReportHeading(
        "looked_after",
        "Looked-after children with special educational needs",
        "How the school supports children looked after by the local authority who have SEN.",
        "Our designated teacher for looked-after children works with the SENCO and the child's "
        "social worker. Their personal education plan and any SEN support plan are reviewed "
        "together.",
    ),
    ReportHeading(
        "contacts",
        "Who to contact",
        "Named contacts in the school for parents with concerns, impartial advice, and how to "
        "complain.",
        "If you are worried about your child, talk first to their class teacher or tutor. You "
        "can also contact the SENCO. If you are unhappy with our support, please tell us; our "
        "complaints policy is on our website.",
        facts="contacts",
    ),
    ReportHeading(
        "local_offer",
        "Our part in the local offer",
        "The school's contribution to the local authority's local offer of services for "
        "children with SEN and disabilities.",
        "The local authority publishes a local offer: the services available in our area for "
        "children and young people with SEN and disabilities, and their families. Our part in "
        "it is described in this report.",
        facts="local_offer",
    ),
)

HEADING_KEYS: tuple[str, ...] = tuple(h.key for h in HEADINGS)
_BY_KEY = {h.key: h for h in HEADINGS}


def heading(key: str) -> ReportHeading:
    return _BY_KEY[key]


def starter_texts() -> dict[str, str]:
    """The text a new report starts from, by heading."""
    return {h.key: h.starter for h in HEADINGS}


def clean_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """The texts as they are kept: every heading present, trimmed, in the headings' order.

    Raises one ValidationError naming an unknown heading or each text that is too long.
    """
    errors = [UNKNOWN_HEADING.format(key=key) for key in texts if key not in _BY_KEY]
    cleaned = {key: (texts.get(key) or "").strip().replace("\r\n", "\n") for key in HEADING_KEYS}
    errors += [
        TEXT_TOO_LONG.format(heading=heading(key).title, length=len(text), limit=MAX_TEXT)
        for key, text in cleaned.items()
        if len(text) > MAX_TEXT
    ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def validate_publishable(texts: Mapping[str, str]) -> None:
    """A report is published only with something under every heading."""
    empty = [heading(key).title for key in HEADING_KEYS if not (texts.get(key) or "").strip()]
    if empty:
        raise ValidationError(EMPTY_HEADINGS.format(headings="; ".join(empty)))


def validate_year(year: int, *, today: dt.date) -> None:
    """A report is for a school year from 2014/15 up to the one after this one."""
    last = school_year_of(today) + 1
    if not FIRST_YEAR <= year <= last:
        raise ValidationError(
            YEAR_OUT_OF_RANGE.format(first=year_label(FIRST_YEAR), last=year_label(last))
        )


# --- The school's own figures -----------------------------------------------------------------


@dataclass(frozen=True)
class ReportFacts:
    """What the report states about the school, from its records: kept as it was when published.

    Counts only, never a pupil; staff are named only as the SENCO, the school's named contact.
    """

    counted_on: dt.date
    roll: int
    ehc: int
    support: int
    #: (need type code, pupils with it as their primary need), most first.
    needs: tuple[tuple[str, int], ...]
    senco_names: tuple[str, ...]
    school_phone: str = ""
    school_email: str = ""
    school_address: str = ""
    sendiass_name: str = ""
    sendiass_phone: str = ""
    sendiass_website: str = ""
    local_offer_url: str = ""
    #: (name, what it is for) of each intervention in use.
    interventions: tuple[tuple[str, str], ...] = ()
    #: (area of need, people trained, awareness, enhanced, specialist) from the training log.
    training: tuple[tuple[str, int, int, int, int], ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "counted_on": self.counted_on.isoformat(),
            "roll": self.roll,
            "ehc": self.ehc,
            "support": self.support,
            "needs": [list(n) for n in self.needs],
            "senco_names": list(self.senco_names),
            "school_phone": self.school_phone,
            "school_email": self.school_email,
            "school_address": self.school_address,
            "sendiass_name": self.sendiass_name,
            "sendiass_phone": self.sendiass_phone,
            "sendiass_website": self.sendiass_website,
            "local_offer_url": self.local_offer_url,
            "interventions": [list(i) for i in self.interventions],
            "training": [list(t) for t in self.training],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportFacts:
        return cls(
            counted_on=dt.date.fromisoformat(data["counted_on"]),
            roll=int(data["roll"]),
            ehc=int(data["ehc"]),
            support=int(data["support"]),
            needs=tuple((str(c), int(n)) for c, n in data.get("needs", [])),
            senco_names=tuple(data.get("senco_names", [])),
            school_phone=data.get("school_phone", ""),
            school_email=data.get("school_email", ""),
            school_address=data.get("school_address", ""),
            sendiass_name=data.get("sendiass_name", ""),
            sendiass_phone=data.get("sendiass_phone", ""),
            sendiass_website=data.get("sendiass_website", ""),
            local_offer_url=data.get("local_offer_url", ""),
            interventions=tuple((str(a), str(b)) for a, b in data.get("interventions", [])),
            training=tuple(
                (str(a), int(p), int(x), int(y), int(z))
                for a, p, x, y, z in data.get("training", [])
            ),
        )


# --- When the SENCO is reminded ---------------------------------------------------------------

NEVER_PUBLISHED = "The school has not published an SEN information report with sendreg yet."
YEAR_OLD = "The published SEN information report is {days} days old: it must be updated every year."
SENCO_CHANGED = "It names {then} as the SENCO; the school's SENCO is now {now}."
EHC_CHANGED = "It says {then} pupils have an EHC plan; there are now {now}."
SUPPORT_CHANGED = "It says {then} pupils are on SEN support; there are now {now}."


def names_list(names: Sequence[str]) -> str:
    if not names:
        return "no one"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def reminders(
    *,
    published_on: dt.date | None,
    stated: ReportFacts | None,
    now: ReportFacts | None,
    today: dt.date,
) -> list[str]:
    """Why the published report needs updating, if it does: one sentence a reason.

    Age counts from the day it was published; a report more than ``STALE_AFTER_DAYS``
    old is due. What it states is compared with the school's records now: the SENCO's
    name, and the numbers with EHC plans and on SEN support (the exact counts, though
    the report shows small ones as "fewer than 5"). ``now`` is not needed (may be None)
    when nothing has been published.
    """
    if published_on is None or stated is None or now is None:
        return [NEVER_PUBLISHED]
    found = []
    age = (today - published_on).days
    if age > STALE_AFTER_DAYS:
        found.append(YEAR_OLD.format(days=age))
    if sorted(stated.senco_names) != sorted(now.senco_names):
        found.append(
            SENCO_CHANGED.format(
                then=names_list(stated.senco_names), now=names_list(now.senco_names)
            )
        )
    if stated.ehc != now.ehc:
        found.append(EHC_CHANGED.format(then=stated.ehc, now=now.ehc))
    if stated.support != now.support:
        found.append(SUPPORT_CHANGED.format(then=stated.support, now=now.support))
    return found
