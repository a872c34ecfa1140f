"""When a pupil's information may be shared without consent: the reasons a school may choose.

From the St Mary's SEND policy's confidentiality section (seed 004), which lists the
purposes for which an EHC plan is disclosed without the parents' consent. They are
data: a school whose policy lists others adds them here, and "another reason" always
asks for words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatutoryException:
    key: str
    label: str
    #: Whether the person sharing must also say, in words, why it applies.
    needs_words: bool = False


STATUTORY_EXCEPTIONS: tuple[StatutoryException, ...] = (
    StatutoryException(
        "tribunal",
        "To a SEND tribunal when parents appeal, or to the Secretary of State under the "
        "Education Act 1996",
    ),
    StatutoryException("court_order", "On the order of a court, for criminal proceedings"),
    StatutoryException(
        "maladministration",
        "For an investigation of maladministration under the Local Government Act 1974",
    ),
    StatutoryException(
        "authority_duties",
        "So that an authority can carry out its duties under the Disabled Persons (Services, "
        "Consultation and Representation) Act 1986, or the Children Act 1989 on safeguarding "
        "and promoting the welfare of children",
    ),
    StatutoryException("ofsted", "To Ofsted inspectors, in an inspection of the school or the LA"),
    StatutoryException(
        "disabled_students_allowance",
        "In connection with the pupil's application for Disabled Students' Allowance before "
        "starting higher education",
    ),
    StatutoryException(
        "next_setting",
        "To the headteacher (or equivalent) of the setting where the pupil will start their "
        "next phase of education",
    ),
    StatutoryException(
        "pupil_interests", "In the interests of the pupil (say how)", needs_words=True
    ),
)


def exception_rules() -> dict[str, bool]:
    """Each reason's key and whether it needs words, for ``rules.validate_sharing_reason``."""
    return {e.key: e.needs_words for e in STATUTORY_EXCEPTIONS}


def exception_label(key: str) -> str:
    for exception in STATUTORY_EXCEPTIONS:
        if exception.key == key:
            return exception.label
    return "Another reason" if key == "other" else key
