"""Need types get history: each row holds a need from ``start`` until ``end``."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models


def date_existing_needs(apps, schema_editor):
    # A need recorded before needs had dates is dated from the start of the pupil's
    # present stay on the register (or their first episode, failing that).
    PupilNeed = apps.get_model("register", "PupilNeed")
    SenEpisode = apps.get_model("register", "SenEpisode")
    episodes = {}
    for pupil_id, start, end in SenEpisode.objects.order_by("start").values_list(
        "pupil_id", "start", "end"
    ):
        episodes.setdefault(pupil_id, []).append((start, end))
    for need in PupilNeed.objects.all():
        spans = episodes.get(need.pupil_id, [])
        start = spans[0][0] if spans else dt.date.today()
        for (begin, _), (_, previous_end) in zip(spans[1:], spans, strict=False):
            if begin != previous_end:
                start = begin
        need.start = start
        need.save(update_fields=["start"])


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0001_initial"),
        ("register", "0002_notifications_and_census_checks"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="pupilneed", name="need_rank_unique"),
        migrations.RemoveConstraint(model_name="pupilneed", name="need_code_unique"),
        migrations.AddField(
            model_name="pupilneed", name="start", field=models.DateField(null=True)
        ),
        migrations.AddField(
            model_name="pupilneed", name="end", field=models.DateField(blank=True, null=True)
        ),
        migrations.RunPython(date_existing_needs, migrations.RunPython.noop),
        migrations.AlterField(model_name="pupilneed", name="start", field=models.DateField()),
        migrations.AlterField(
            model_name="pupilneed",
            name="pupil",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="need_history",
                to="pupils.pupil",
            ),
        ),
        migrations.AlterModelOptions(name="pupilneed", options={"ordering": ["start", "rank"]}),
        migrations.AddConstraint(
            model_name="pupilneed",
            constraint=models.UniqueConstraint(
                condition=models.Q(("end__isnull", True)),
                fields=("pupil", "rank"),
                name="need_rank_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="pupilneed",
            constraint=models.UniqueConstraint(
                condition=models.Q(("end__isnull", True)),
                fields=("pupil", "code"),
                name="need_code_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="pupilneed",
            constraint=models.CheckConstraint(
                condition=models.Q(("end__isnull", True), ("end__gt", models.F("start")), _connector="OR"),
                name="need_ends_after_start",
            ),
        ),
        migrations.AddIndex(
            model_name="pupilneed",
            index=models.Index(fields=["pupil", "start"], name="register_pu_pupil_i_804c38_idx"),
        ),
    ]
