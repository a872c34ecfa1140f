"""Factories for the provision map's records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from sendreg.provision.models import Enrolment, Intervention, Run, TrainingRecord
from sendreg.provision.rules import Measure, TrainingLevel, Wave
from tests.factories import PupilFactory, SchoolFactory


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervention

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Intervention {n}")
    need_codes = factory.LazyFunction(lambda: ["SPLD"])
    areas = factory.LazyFunction(list)
    wave = Wave.TARGETED
    staff_role = "Teaching assistant"
    group_size = 4
    sessions_per_week = Decimal(3)
    minutes_per_session = 30
    typical_weeks = 12
    hourly_rate = Decimal("16.50")
    resources_per_pupil = Decimal(10)
    measure = Measure.STANDARDISED


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Run

    intervention = factory.SubFactory(InterventionFactory)
    school = factory.SelfAttribute("intervention.school")
    start_date = dt.date(2025, 9, 8)
    end_date = dt.date(2025, 12, 12)
    weeks = factory.SelfAttribute("intervention.typical_weeks")
    group_size = factory.SelfAttribute("intervention.group_size")
    sessions_per_week = factory.SelfAttribute("intervention.sessions_per_week")
    minutes_per_session = factory.SelfAttribute("intervention.minutes_per_session")
    hourly_rate = factory.SelfAttribute("intervention.hourly_rate")
    resources_per_pupil = factory.SelfAttribute("intervention.resources_per_pupil")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    run = factory.SubFactory(RunFactory)
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..run.school"))
    start_date = factory.SelfAttribute("run.start_date")
    end_date = factory.SelfAttribute("run.end_date")


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    school = factory.SubFactory(SchoolFactory)
    name = "Visiting specialist"
    what = "Dyslexia awareness"
    level = TrainingLevel.AWARENESS
    need_area = "SPLD"
    on = dt.date(2025, 10, 1)
