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
``apply`` may also raise ``ValidationError`` for choices it cannot accept: the
preview is shown again with the message.

How the Import page and ``sendreg import`` use a kind:

- Without ``--kind`` (or with "Work it out" on the page), each kind's
  ``recognise`` is asked in turn, by ``order`` then key; a file none claims is
  read as an MIS export. ``recognise`` should be cheap and certain (look at the
  name and the first bytes); an exception counts as "not mine".
- The page plans the upload at once, to refuse an unusable file before keeping
  it, then shows ``preview_template`` (``imports/kind_preview.html`` is a plain
  one to extend: blocks ``figures``, ``details`` and ``choices``). Its context:
  ``outcome``, ``kind``, ``token``, ``error`` (the message from a refused
  apply), ``errors_page`` and ``warnings_page`` (``lib.paging.Page``s of the
  summary's problems) and ``figures`` (the summary's counts).
- On confirmation, ``choices`` is the posted form (a ``QueryDict``: ``get`` for
  one value, ``getlist`` for a field posted more than once) without the CSRF
  token and ``action``. ``sendreg import`` passes no choices.
- ``apply`` gets the user on the page, ``None`` on the command line; it records
  the file with ``import_run_record`` (same kind key and sha256 as its summary),
  which the page uses to show the import once it is done.
- The uploaded file is deleted on confirm, cancel, logout and session expiry,
  as for an MIS export.
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
