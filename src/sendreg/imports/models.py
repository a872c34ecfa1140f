from __future__ import annotations

from django.db import models
from django.utils import timezone

from sendreg.accounts.models import School, User


class ImportRun(models.Model):
    """One applied import. The file itself is not kept: only its name, hash and what it did."""

    class Kind(models.TextChoices):
        PUPILS = "pupils", "Pupil data"
        CLASSES = "classes", "Class lists"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="import_runs")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_label = models.CharField(max_length=300)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    #: ``Kind`` for MIS exports, or the key of another app's ``ImportKind``. No ``choices``
    #: here, so that a new kind needs no migration of this table.
    kind = models.CharField(max_length=20)
    whole_roll = models.BooleanField(default=False)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        """What was imported: "Pupil data", "Class lists", or another app's kind's label."""
        if self.kind in self.Kind.values:
            return str(self.Kind(self.kind).label)
        from sendreg.imports.kinds import IMPORT_KINDS

        kind = IMPORT_KINDS.get(self.kind)
        return kind.label if kind is not None else self.kind

    @property
    def is_mis(self) -> bool:
        return self.kind in self.Kind.values

    @property
    def unusable_rows(self) -> int:
        """Rows the import could not use (a row may have several problems)."""
        return len({problem.get("row") for problem in self.summary.get("errors", [])})


class ColumnMapping(models.Model):
    """The column names a school told sendreg about, reused on its next import."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="column_mapping")
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Column mapping for {self.school}"
