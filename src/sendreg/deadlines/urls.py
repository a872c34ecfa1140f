"""The deadlines pages, under /deadlines/."""

from __future__ import annotations

from django.urls import path

from sendreg.deadlines import views

urlpatterns = [
    path("", views.deadline_list, name="deadlines"),
    path("calendar/", views.calendar_page, name="deadlines_calendar"),
    path("calendar/new/", views.calendar_create, name="deadlines_calendar_create"),
    path("calendar/off/", views.calendar_revoke, name="deadlines_calendar_revoke"),
    path("calendar/<int:pk>/<str:token>.ics", views.calendar_feed, name="deadlines_feed"),
]
