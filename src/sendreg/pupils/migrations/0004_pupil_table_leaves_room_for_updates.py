"""On PostgreSQL, leave a fifth of each page of pupils free.

An MIS re-import updates attendance and other columns of every pupil at once. When the
updated row fits on the same page and no indexed column changed, PostgreSQL writes it
without touching the table's four indexes (a "heap-only tuple" update); a full page forces
a new index entry in each. The setting applies to pages written from now on (and to every
page after a VACUUM FULL). SQLite has no such setting.
"""

from django.db import migrations

FILLFACTOR = 80


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE pupils_pupil SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE pupils_pupil RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("pupils", "0003_drop_staff_notes")]

    operations = [migrations.RunPython(leave_room, fill_pages)]
