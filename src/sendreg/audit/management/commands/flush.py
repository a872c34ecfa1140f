"""Django's ``flush``, allowed to empty the append-only audit tables with everything else."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush

from sendreg.audit.append_only import audit_unlocked


class Command(DjangoFlush):
    help = (
        DjangoFlush.help + " The audit trail and the access log, whose rows the database "
        "otherwise refuses to delete, are emptied too."
    )

    def handle(self, **options: Any) -> None:
        with audit_unlocked("flush", using=options["database"]):
            super().handle(**options)
