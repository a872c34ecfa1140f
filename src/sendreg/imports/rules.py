"""Pure rules of importing: when a file is the whole roll, when it looks like another school's.

No database, no request: values in, a decision out. The import service, the
Import page and ``sendreg import`` all ask these functions, so they never disagree.
"""

from __future__ import annotations

#: A file with at least this share of the pupils on roll is taken to be the whole roll.
WHOLE_ROLL_SHARE = 0.9
#: A file fewer than this share of whose pupils are on roll looks like another school's.
OTHER_SCHOOL_SHARE = 0.1

#: An import that adds at least this many pupils brings the database's statistics up to
#: date straight away (``lib.database.refresh_statistics``).
STATISTICS_AFTER_CREATED = 100

OTHER_SCHOOL = (
    "This file may be from another school: only {shared} of the {in_file} in it {is_are} on "
    "roll at {school}. Importing it would add {creates}{leavers}. Check that it "
    "is your school's export before you import it."
)
OTHER_SCHOOL_LEAVERS = ", and list {leavers} on roll as possible leavers"
#: What ``sendreg import`` adds when it refuses such a file.
OTHER_SCHOOL_OVERRIDE = (
    " If it is (a list of new pupils only, for example), run the command again with "
    "--other-school-ok."
)
OTHER_SCHOOL_CONFIRM = "Yes, this file is from {school}'s own MIS: import it"
OTHER_SCHOOL_NOT_CONFIRMED = (
    "Tick the box to say that this file is from your school's MIS, or cancel the import."
)


def is_whole_roll(*, rows: int, on_roll: int) -> bool:
    """A file is the whole roll when it has a row for nearly every pupil on roll."""
    return on_roll > 0 and rows >= WHOLE_ROLL_SHARE * on_roll


def looks_like_another_school(*, on_roll: int, in_file: int, shared: int) -> bool:
    """Whether a file shares almost none of its pupils with a school that has pupils on roll.

    ``in_file`` counts the UPNs in the file, ``shared`` those of them on roll. An
    empty school has nothing to compare with, so its first import is never stopped.
    """
    return on_roll > 0 and in_file > 0 and shared < OTHER_SCHOOL_SHARE * in_file


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 row", "2 rows", "1 pupil is", with the count written with thousands commas."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def statistics_stale(*, created: int) -> bool:
    """Whether an import that added ``created`` pupils leaves the database's statistics
    too old to plan queries well: a first import or a large intake. Smaller changes are
    left to PostgreSQL's autovacuum, and do not change SQLite's plans."""
    return created >= STATISTICS_AFTER_CREATED
