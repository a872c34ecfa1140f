"""Retention and subject access, under /privacy/. Every name starts ``privacy_``."""

from __future__ import annotations

from django.urls import path

from sendreg.privacy import views

urlpatterns = [
    path("retention/", views.retention, name="privacy_retention"),
    path("pupils/<int:pk>/subject-access/", views.subject_access, name="privacy_subject_access"),
    path(
        "pupils/<int:pk>/subject-access/download/",
        views.subject_access_download,
        name="privacy_subject_access_download",
    ),
]
