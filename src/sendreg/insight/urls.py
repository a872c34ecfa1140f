"""The analysis and findings, under /insight/. Every name starts ``insight_``."""

from __future__ import annotations

from django.urls import path

from sendreg.insight import views

urlpatterns = [
    path("", views.analysis_view, name="insight_analysis"),
    path("findings/", views.findings_view, name="insight_findings"),
    path("findings/<str:key>/note/", views.finding_note_view, name="insight_finding_note"),
    path("findings/cases/", views.case_note_view, name="insight_case_note"),
    path("snapshot/", views.snapshot_view, name="insight_snapshot"),
]
