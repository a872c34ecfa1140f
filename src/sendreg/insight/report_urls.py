"""The SEN information report's pages (staff and public) and the termly pack.

Included at the site's root (``path("", include("sendreg.insight.report_urls"))``):
the staff pages under /information-report/ and /insight/pack/, the public report under
/report/.
"""

from __future__ import annotations

from django.urls import path

from sendreg.insight import report_views as views

urlpatterns = [
    path("information-report/", views.information_reports, name="information_reports"),
    path(
        "information-report/<int:year>/",
        views.information_report_edit,
        name="information_report_edit",
    ),
    path(
        "information-report/<int:year>/publish/",
        views.information_report_publish,
        name="information_report_publish",
    ),
    path(
        "information-report/<int:year>/download/",
        views.information_report_download,
        name="information_report_download",
    ),
    path("insight/pack/", views.pack_page, name="insight_pack"),
    path("insight/pack/download/", views.pack_download, name="insight_pack_download"),
    # Public: no login, only what the school published.
    path(
        "report/<str:urn>/",
        views.information_report_public_latest,
        name="information_report_public_latest",
    ),
    path(
        "report/<str:urn>/<int:year>/",
        views.information_report_public,
        name="information_report_public",
    ),
    path(
        "report/<str:urn>/<int:year>/download/",
        views.information_report_public_download,
        name="information_report_public_download",
    ),
]
