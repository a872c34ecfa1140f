"""Named people in two schools, as the permission tests and the service tests need them."""

from __future__ import annotations

import datetime as dt
import os
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Role
from sendreg.pupils.models import Pupil
from sendreg.register.models import PupilNeed, SenEpisode
from sendreg.register.selectors import register_history
from sendreg.register.services import sen_record_set
from tests.factories import (
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    TeachingGroupFactory,
    UserFactory,
)

# No example database in the working tree, and no deadline: a loaded CI machine is not a bug.
hypothesis_settings.register_profile("sendreg", database=None, deadline=None)
hypothesis_settings.load_profile("sendreg")

#: The fixtures through which a test reaches the database.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the second pass (PostgreSQL, see scripts/test), run only what the database can change.

    ``scripts/test`` runs the suite on SQLite, then again on PostgreSQL with
    ``SENDREG_TEST_DATABASE_PASS=second``. A test that touches no database, a browser test
    (what it checks is the page, which the view tests cover on both databases) and a test
    marked ``one_pass`` (it makes its own databases, or sweeps pages whose logic no database
    changes) would only repeat the first pass: they are left out of the second. A test marked
    ``postgresql`` (it makes PostgreSQL databases of its own) runs on the second pass whatever
    fixtures it uses.
    """
    if os.environ.get("SENDREG_TEST_DATABASE_PASS") != "second":
        return
    kept, left_out = [], []
    for item in items:
        uses_database = bool(item.get_closest_marker("django_db")) or bool(
            DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        )
        once = item.get_closest_marker("e2e") or item.get_closest_marker("one_pass")
        wanted = (uses_database and not once) or item.get_closest_marker("postgresql")
        (kept if wanted else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, which no session holds any more when it is dropped.

    PostgreSQL refuses to drop a database another session is using, after waiting five
    seconds for it to go; one CI run failed at the very end that way (``database
    "test_sendreg_ci_gw0" is being accessed by other users``) with every test passed, and
    three runs since could not make it happen again. Before the drop, this closes the
    test's own connection, waits for every session on the test database to end (a server
    process on a busy machine can be slow to), then ends any still there and warns with
    what each was doing, so that a test which leaves a connection open is named.
    """
    yield
    with django_db_blocker.unblock():
        _end_sessions_on_the_test_database()


def _end_sessions_on_the_test_database(patience: float = 15.0) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg

    config = connection.settings_dict
    connection.close()
    params = {key.lower(): config.get(key) or None for key in ("HOST", "PORT", "USER", "PASSWORD")}
    others = (
        "SELECT pid, application_name, state, left(query, 200) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + patience
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        while (left := admin.execute(others, [config["NAME"]]).fetchall()) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)
        for pid, *_ in left:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    if left:
        warnings.warn(
            f"Sessions left on the test database, ended before it was dropped: {left!r}",
            stacklevel=1,
        )


#: A school day well clear of any census, for tests that pin "today".
TODAY = dt.date(2025, 11, 12)


@pytest.fixture
def school(db: None) -> School:
    return SchoolFactory(name="Oakfield Academy", urn="100001", laestab="8012000")


@pytest.fixture
def other_school(db: None) -> School:
    return SchoolFactory(name="Riverside School", urn="100002", laestab="8012001")


def _member(school: School, role: Role, name: str) -> User:
    user = UserFactory(email=f"{name}@{school.urn}.test", name=name.capitalize())
    MembershipFactory(user=user, school=school, role=role)
    return user


@pytest.fixture
def senco(school: School) -> User:
    return _member(school, Role.SENCO, "senco")


@pytest.fixture
def teacher(school: School) -> User:
    return _member(school, Role.TEACHER, "teacher")


@pytest.fixture
def ta(school: School) -> User:
    return _member(school, Role.TEACHING_ASSISTANT, "ta")


@pytest.fixture
def office(school: School) -> User:
    return _member(school, Role.OFFICE, "office")


@pytest.fixture
def head(school: School) -> User:
    return _member(school, Role.HEAD, "head")


@pytest.fixture
def governor(school: School) -> User:
    return _member(school, Role.GOVERNOR, "governor")


@pytest.fixture
def deputy_senco(school: School) -> User:
    return _member(school, Role.DEPUTY_SENCO, "deputy")


@pytest.fixture
def adviser(school: School) -> User:
    return _member(school, Role.ADVISER, "adviser")


@pytest.fixture
def outsider(other_school: School) -> User:
    """The SENCO of another school: sees nothing of ``school``."""
    return _member(other_school, Role.SENCO, "outsider")


@pytest.fixture
def pupil(school: School) -> Pupil:
    return PupilFactory(school=school, legal_forename="Maisie", legal_surname="Young")


@pytest.fixture
def taught_pupil(school: School, teacher: User, ta: User) -> Pupil:
    """A pupil in a class that ``teacher`` and ``ta`` teach."""
    taught = PupilFactory(school=school, legal_forename="Teddy", legal_surname="Barnes")
    group = TeachingGroupFactory(school=school, name="7En2 English")
    group.teachers.set([teacher, ta])
    group.pupils.set([taught])
    return taught


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


def put_on_register(
    pupil: Pupil,
    *,
    by: User,
    status: str = "K",
    needs: tuple[str, ...] = ("SEMH",),
    on: dt.date = TODAY,
    today: dt.date = TODAY,
) -> Pupil:
    pupil.refresh_from_db()
    return sen_record_set(
        pupil=pupil,
        status=status,
        needs=list(needs),
        effective=on,
        reason="Assessed by the SENCO.",
        expected_version=pupil.sen_version,
        by=by,
        today=today,
    )


#: Noon on TODAY in the school's time zone, for ``time_machine``.
TODAY_NOON = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def on_today(time_machine: Any) -> dt.date:
    """Pin the clock to noon on TODAY, so that views and services see TODAY as today."""
    time_machine.move_to(TODAY_NOON, tick=False)
    return TODAY


def register_in_bulk(
    school: School,
    count: int,
    *,
    status: str = "K",
    needs: tuple[str, ...] = ("SEMH", "SLCN"),
    since: dt.date = dt.date(2025, 9, 4),
    **pupil_fields: Any,
) -> list[Pupil]:
    """``count`` pupils on the register, made in a handful of queries (no audit events).

    For tests that need a full register rather than the service's behaviour.
    """
    pupils = Pupil.objects.bulk_create(
        PupilFactory.build(school=school, **pupil_fields) for _ in range(count)
    )
    SenEpisode.objects.bulk_create(
        SenEpisode(pupil=p, status=status, start=since, start_reason="Bulk") for p in pupils
    )
    PupilNeed.objects.bulk_create(
        PupilNeed(pupil=p, code=code, rank=rank, start=since)
        for p in pupils
        for rank, code in enumerate(needs, 1)
    )
    return pupils


def current_needs(pupil: Pupil) -> list[str]:
    """The needs the pupil's record holds after its latest change, primary first."""
    return register_history(pupil).open_needs


__all__ = [
    "Membership",
    "current_needs",
    "put_on_register",
    "register_in_bulk",
    "TODAY",
    "TODAY_NOON",
]
