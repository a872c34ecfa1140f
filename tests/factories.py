from __future__ import annotations

import datetime as dt

import factory

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Role
from sendreg.pupils.models import Contact, Pupil, TeachingGroup
from sendreg.pupils.rules import make_upn

PASSWORD = "correct-horse-battery"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("urn",)

    urn = factory.Sequence(lambda n: f"{100000 + n}")
    laestab = factory.Sequence(lambda n: f"801{2000 + n}")
    name = factory.Sequence(lambda n: f"Test School {n}")
    phase = School.Phase.SECONDARY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@school.test")
    name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.SENCO


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: make_upn(801, 2000 + n // 1000, 19, n % 1000))
    legal_surname = factory.Faker("last_name", locale="en_GB")
    legal_forename = factory.Faker("first_name", locale="en_GB")
    date_of_birth = dt.date(2013, 5, 17)
    gender = Pupil.Gender.FEMALE
    year_group = 7
    reg_group = "7A"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    pupil = factory.SubFactory(PupilFactory)
    name = factory.Faker("name", locale="en_GB")
    relationship = "Mother"
    parental_responsibility = True
    address = "1 High Street\nBristol\nBS1 1AA"
    email = factory.Sequence(lambda n: f"parent{n}@example.com")


class TeachingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingGroup

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"7X{n} English")
