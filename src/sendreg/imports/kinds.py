"""Kinds of file that the Import page and ``sendreg import`` take beside MIS exports.

An app that reads a file of its own (a provision map, an EHC tracker, a Common
Transfer File) registers an ``ImportKind`` here in its ``AppConfig.ready()``.
The Import page and the command then treat it like an MIS export: the file is
recognised (or named with ``--kind``), previewed with nothing written, and
applied in one transaction on confirmation; every applied file is listed on
the Imports page with its hash (``import_run_record``).

Both ``plan`` and ``apply`` take the same ``ImportRequest``. ``plan`` writes
nothing. ``apply`` plans again inside its transaction and writes everything or
nothing. Either raises ``ImportRefused`` (from ``imports.parsers``) for a file
it cannot use at all, with a message that says why and what was expected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sendreg.lib.extensions import Registry, _Keyed

if TYPE_CHECKING:
    from sendreg.accounts.models import School, User
    from sendreg.accounts.permissions import Permission


@dataclass(frozen=True)
class ImportRequest:
    school: School
    data: bytes
    filename: str
    today: dt.date
    #: Field name to column heading, from ``--map`` or the Import page.
    mapping: Mapping[str, str] = field(default_factory=dict)
    #: Choices the preview's confirmation form returned (kind-specific), empty for a plan.
    choices: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ImportOutcome:
    """What a plan would do, or what an apply did.

    ``summary`` is the object ``sendreg import --json`` prints (a public interface:
    each kind documents its keys in the README). It always has ``file``, ``sha256``,
    ``kind``, ``rows``, ``errors`` (each ``{"row", "field", "message"}``), ``warnings``
    and ``applied``. ``context`` is anything more the preview template needs.
    """

    summary: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.summary.get("errors", []))


@dataclass(frozen=True)
class ImportKind(_Keyed):
    #: The ``--kind`` name and the summary's ``kind``.
    key: str
    #: What the Import page calls it: "Provision map", "EHC tracker".
    label: str
    #: Whether a file (its name and bytes) is of this kind, for when ``--kind`` is not given.
    recognise: Callable[[str, bytes], bool]
    plan: Callable[[ImportRequest], ImportOutcome]
    apply: Callable[[ImportRequest, User | None], ImportOutcome]
    #: The preview page's template: it receives ``outcome``, ``kind`` and ``token``, and
    #: posts its confirmation (with any choices) to the preview URL with action=confirm.
    preview_template: str
    #: Who may run it, besides seeing the Import page.
    permission: Permission
    order: int = 100


IMPORT_KINDS: Registry[ImportKind] = Registry("import kinds")
