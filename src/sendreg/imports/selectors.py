"""Reads of imports, scoped to the member's school."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from sendreg.accounts.models import School
from sendreg.imports.models import ImportRun

#: The Imports page lists this many of the latest imports.
RECENT = 50


def import_runs_recent(school: School) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(school=school)[:RECENT]


def import_run_get(school: School, pk: int) -> ImportRun:
    """One of the school's imports; another school's answers 404."""
    return get_object_or_404(ImportRun, pk=pk, school=school)


def import_run_latest(school: School, *, kind: str, sha256: str) -> ImportRun | None:
    """The newest import of this file as this kind (what an app's kind just applied)."""
    return ImportRun.objects.filter(school=school, kind=kind, sha256=sha256).first()
