"""The EHC pages, under /ehc/. Every name starts ``ehc_``."""

from __future__ import annotations

from django.urls import path

from sendreg.ehc import views

_PUPIL = "pupils/<int:pk>/"
_REVIEW = _PUPIL + "reviews/<int:event_pk>/"

urlpatterns = [
    path("", views.ehc_list, name="ehc_list"),
    path("settings/", views.ehc_settings, name="ehc_settings"),
    path(_PUPIL, views.ehc_pupil, name="ehc_pupil"),
    path(_PUPIL + "record/<str:kind>/", views.ehc_event_add, name="ehc_event_add"),
    path(
        _PUPIL + "events/<int:event_pk>/withdraw/",
        views.ehc_event_withdraw,
        name="ehc_event_withdraw",
    ),
    path(
        _PUPIL + "events/<int:event_pk>/report/", views.ehc_review_report, name="ehc_review_report"
    ),
    path(_PUPIL + "deadlines/<str:key>/", views.ehc_due_date, name="ehc_due_date"),
    path(_REVIEW, views.ehc_review, name="ehc_review"),
    path(_REVIEW + "invitees/", views.ehc_invitee_add, name="ehc_invitee_add"),
    path(
        _REVIEW + "invitees/<int:invitee_pk>/remove/",
        views.ehc_invitee_remove,
        name="ehc_invitee_remove",
    ),
    path(
        _REVIEW + "invitees/<int:invitee_pk>/letter/",
        views.ehc_invitation_letter,
        name="ehc_invitation_letter",
    ),
    path(_REVIEW + "invitations/", views.ehc_invitations_sent, name="ehc_invitations_sent"),
]
