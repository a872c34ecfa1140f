"""Which reads of pupils' records go into the access log, decided in one place.

Views need not log anything: ``AccessLogMiddleware`` looks up the URL that answered
and, when it is in ``LOGGED_READS`` (or is a page of one pupil's record), writes one
access event after a successful GET. A view that logs a read itself (the pupil's page
and the parent letters do, with their own wording) is not logged twice.

The client's address and the request's id come from the request being answered,
through ``current_request()``, so that ``audit.services.access_record`` fills them in
whoever calls it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

from sendreg.lib.http import client_address

EXPORT_FORMATS = frozenset({"csv", "xlsx", "xml"})
#: Query parameters that say a list page is being downloaded rather than shown.
EXPORT_PARAMETERS = ("export", "extract")
#: A URL inside one pupil's record: ``.../pupils/<int:pk>/...``.
PUPIL_ROUTE = re.compile(r"(?:^|/)pupils/<int:pk>/")


@dataclass
class RequestInfo:
    """What the access log needs to know about the request being answered."""

    address: str | None
    request_id: str
    #: Set once anything logged a read, so the middleware does not log it again.
    logged: bool = False


_current: ContextVar[RequestInfo | None] = ContextVar("sendreg_request", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


@contextmanager
def answering(request: HttpRequest) -> Iterator[RequestInfo]:
    info = RequestInfo(address=client_address(request), request_id=uuid.uuid4().hex)
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)


def _exporting(request: HttpRequest) -> str:
    """The download format asked for, or "" when the page is only shown."""
    for parameter in EXPORT_PARAMETERS:
        wanted = request.GET.get(parameter, "")
        if wanted in EXPORT_FORMATS:
            return wanted
    return ""


@dataclass(frozen=True)
class LoggedRead:
    """A URL whose successful GET is a read of pupils' records.

    ``what`` names the read; ``export_only`` logs it only when the list is downloaded
    (``?export=`` or ``?extract=``); ``pupil_kwarg`` names the URL's pupil id for a
    read of one pupil. ``label`` may refine ``what`` from the query.
    """

    what: str
    export_only: bool = False
    pupil_kwarg: str | None = None
    label: Callable[[HttpRequest], str] | None = field(default=None, compare=False)


def _census_download(request: HttpRequest) -> str:
    if request.GET.get("extract") in EXPORT_FORMATS:
        return "census extract"
    return "census check download"


#: Reads of records that do not live under ``pupils/<pk>/``, by URL name.
LOGGED_READS: dict[str, LoggedRead] = {
    "register": LoggedRead("SEN register export", export_only=True),
    "registers_medical": LoggedRead("medical register export", export_only=True),
    "registers_eal": LoggedRead("EAL register export", export_only=True),
    "registers_lac": LoggedRead("looked-after register export", export_only=True),
    "registers_concerns": LoggedRead("cause for concern export", export_only=True),
    "registers_exams": LoggedRead("exam arrangements export", export_only=True),
    "documents_register_pack": LoggedRead("register pack"),
    "census": LoggedRead("census download", export_only=True, label=_census_download),
    # A contact's form shows the address, protected or not, to those who may edit it.
    "contact_edit": LoggedRead("contact form (address shown)", pupil_kwarg="pk"),
    "privacy_subject_access_download": LoggedRead("subject access copy", pupil_kwarg="pk"),
}
#: Any other page of one pupil's record is logged as this, with its path as the detail.
PUPIL_PAGE = "page of the pupil's record"

#: How each ``what`` reads in the log, where the stored word is short.
WHAT_LABELS: Mapping[str, str] = {
    "record": "Pupil's page",
    "parent letter": "Parent letter downloaded",
}


def what_label(what: str) -> str:
    return WHAT_LABELS.get(what, what[:1].upper() + what[1:])


@dataclass(frozen=True)
class Read:
    """One read to log: what, of which pupil (or none for a bulk read), with what detail."""

    what: str
    pupil_id: int | None
    detail: str


def read_for(request: HttpRequest, response: HttpResponse) -> Read | None:
    """The read this answer was, if it is one the access log keeps."""
    if request.method not in {"GET", "HEAD"} or response.status_code != 200:
        return None
    match = getattr(request, "resolver_match", None)
    if match is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return None
    logged = LOGGED_READS.get(match.url_name or "")
    if logged is None and PUPIL_ROUTE.search(match.route or ""):
        logged = LoggedRead(PUPIL_PAGE, pupil_kwarg="pk")
    if logged is None:
        return None
    exporting = _exporting(request)
    if logged.export_only and not exporting:
        return None
    pupil_id = None
    if logged.pupil_kwarg is not None:
        try:
            pupil_id = int(match.kwargs[logged.pupil_kwarg])
        except (KeyError, TypeError, ValueError):
            return None
    what = logged.label(request) if logged.label else logged.what
    if exporting:
        detail = request.GET.urlencode()
    elif logged.what == PUPIL_PAGE:
        detail = request.path
    else:
        detail = ""
    return Read(what=what, pupil_id=pupil_id, detail=detail[:300])
