"""Which kind of file an upload is: an MIS export, or one of the kinds other apps register.

The Import page offers "work it out" and each kind the member may import;
``sendreg import`` takes ``--kind``. Working it out asks each registered kind's
``recognise`` in turn (by ``order``, then key); a file no kind claims is an MIS
export, which the parser then reads or refuses with its own reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sendreg.imports.kinds import IMPORT_KINDS, ImportKind
from sendreg.imports.parsers import ImportRefused

if TYPE_CHECKING:
    from sendreg.accounts.models import Membership

#: The MIS export's key, for ``--kind`` and a pending upload; never a registered kind's.
MIS = "mis"
MIS_LABEL = "An MIS export: pupil data or a class list"
#: The Import page's choice that asks sendreg to work the kind out.
AUTO = ""
AUTO_LABEL = "Work it out from the file"

UNKNOWN_KIND = "--kind {key} is not a kind of file sendreg imports. The kinds are: {keys}."
NOT_ALLOWED = "This file looks like {label}, which your role cannot import."


def kinds_for(membership: Membership) -> list[ImportKind]:
    """The registered kinds this member may import, in the registry's order."""
    return [kind for kind in IMPORT_KINDS if membership.can(kind.permission)]


def all_kinds() -> list[ImportKind]:
    return list(IMPORT_KINDS)


def kind_keys() -> list[str]:
    return [MIS, *(kind.key for kind in IMPORT_KINDS)]


def kind_named(key: str) -> ImportKind | None:
    """The kind ``--kind`` names: None for the MIS export; ``ValueError`` for no kind at all."""
    if key == MIS:
        return None
    kind = IMPORT_KINDS.get(key)
    if kind is None:
        raise ValueError(UNKNOWN_KIND.format(key=key, keys=", ".join(kind_keys())))
    return kind


def recognise(filename: str, data: bytes, kinds: Sequence[ImportKind]) -> ImportKind | None:
    """The first kind that claims the file, or None (an MIS export)."""
    for kind in kinds:
        try:
            if kind.recognise(filename, data):
                return kind
        except Exception:  # noqa: S112 - a kind that cannot tell does not claim the file
            continue
    return None


def choose_kind(
    chosen: str, filename: str, data: bytes, allowed: Sequence[ImportKind]
) -> ImportKind | None:
    """The kind of an upload: as chosen, or worked out. None means an MIS export.

    A file that only a kind the member may not import recognises is refused with
    that kind's name, rather than read as an MIS export and refused for its columns.
    """
    if chosen == MIS:
        return None
    if chosen != AUTO:
        kind = IMPORT_KINDS.get(chosen)
        if kind is None or kind not in allowed:
            raise ImportRefused(UNKNOWN_KIND.format(key=chosen, keys=", ".join(kind_keys())))
        return kind
    found = recognise(filename, data, all_kinds())
    if found is not None and found not in allowed:
        raise ImportRefused(NOT_ALLOWED.format(label=found.label.lower()))
    return found
