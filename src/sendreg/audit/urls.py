"""The access report, under /audit/ (the audit trail itself is /audit/)."""

from __future__ import annotations

from django.urls import path

from sendreg.audit import views

urlpatterns = [
    path("access/", views.access_report, name="audit_access"),
]
