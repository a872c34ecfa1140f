from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sendreg.audit.access import answering, read_for
from sendreg.audit.services import access_record


class AccessLogMiddleware:
    """Gives each request an id (sent back as X-Request-ID) and logs reads of pupils' records.

    Which reads are logged is decided in ``sendreg.audit.access``, so no view needs to
    say so. Placed after ``MembershipMiddleware``: the read is logged against the school
    the person is working in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with answering(request) as info:
            response = self.get_response(request)
            membership = getattr(request, "membership", None)
            if not info.logged and membership is not None:
                read = read_for(request, response)
                if read is not None:
                    access_record(
                        by=request.user,  # type: ignore[arg-type]
                        school_id=membership.school_id,
                        pupil_id=read.pupil_id,
                        what=read.what,
                        detail=read.detail,
                    )
            response["X-Request-ID"] = info.request_id
        return response
