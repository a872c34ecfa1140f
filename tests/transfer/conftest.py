"""A previous school's CTF, and pupils here with records worth sending on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from sendreg.accounts.models import School, User
from sendreg.accounts.permissions import Role
from sendreg.imports.kinds import IMPORT_KINDS, ImportRequest
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from sendreg.transfer.ctf import CtfPupil, CtfSchool, build_ctf
from sendreg.transfer.models import RecordPack, SharingRecord, TransferInDecision
from sendreg.transfer.rules import SenEntry
from tests.conftest import TODAY, _member

D = dt.date
FEEDER = CtfSchool(lea="801", estab="2345", urn="109876", name="Greenfield Primary School")


def ctf_pupil(number: int, **fields: object) -> CtfPupil:
    values: dict[str, object] = {
        "upn": make_upn(801, 2345, 14, number),
        "surname": f"Pupil{number}",
        "forename": "Test",
        "date_of_birth": D(2014, 3, number % 28 + 1),
        "gender": "F",
        "year_group": 6,
    }
    values.update(fields)
    return CtfPupil(number=number, **values)  # type: ignore[arg-type]


def ctf_bytes(pupils: list[CtfPupil], *, dest: CtfSchool | None = None) -> bytes:
    return build_ctf(
        source=FEEDER,
        dest=dest or CtfSchool(lea="801", estab="2000"),
        pupils=pupils,
        written_at=dt.datetime(2025, 7, 10, 14, 30),
    )


#: Amy was on SEN support at the feeder school with SPLD then SLCN; Ben came off the register.
AMY = ctf_pupil(
    1,
    forename="Amy",
    surname="Adams",
    sen=(SenEntry(D(2021, 9, 6), "K"),),
    needs=("SPLD", "SLCN"),
)
BEN = ctf_pupil(
    2,
    forename="Ben",
    surname="Brown",
    sen=(SenEntry(D(2020, 9, 7), "K"), SenEntry(D(2023, 7, 1), "N")),
    needs=(),
)
CARA = ctf_pupil(3, forename="Cara", surname="Clarke")


@pytest.fixture
def request_for(school: School) -> Callable[..., ImportRequest]:
    def make(data: bytes, filename: str = "8012345_CTF_8012000_001.xml") -> ImportRequest:
        return ImportRequest(school=school, data=data, filename=filename, today=TODAY)

    return make


@pytest.fixture
def deputy_senco(school: School) -> User:
    return _member(school, Role.DEPUTY_SENCO, "deputy")


@pytest.fixture
def adviser(school: School) -> User:
    return _member(school, Role.ADVISER, "adviser")


@pytest.fixture
def decision(school: School, senco: User) -> TransferInDecision:
    """A transfer-in decision waiting for the SENCO: Amy, on SEN support at the feeder school."""
    request = ImportRequest(school=school, data=ctf_bytes([AMY]), filename="a.xml", today=TODAY)
    IMPORT_KINDS.get("ctf").apply(request, senco)  # type: ignore[union-attr]
    return TransferInDecision.objects.get()


def make_pack(pupil: Pupil, by: User, *, sent_on: dt.date = TODAY) -> RecordPack:
    """A transfer log entry without building the PDFs: for pages that only list or serve it."""
    sharing = SharingRecord.objects.create(
        pupil=pupil, purpose="next_school", recipient="Northgate High School", shared_on=sent_on,
        covered=False, exception="next_setting", by=by, by_label=by.name,
    )  # fmt: skip
    stored = default_storage.save("record-packs/test.zip", ContentFile(b"PK encrypted"))
    return RecordPack.objects.create(
        pupil=pupil, sharing=sharing, sent_on=sent_on, sent_by=by, sent_by_label=by.name,
        file_name=f"record-pack-{pupil.upn}.zip", file_sha256="ab" * 32, file_size=12,
        parts=[{"key": "acknowledgement", "title": "Acknowledgement form", "files": ["00.pdf"]},
               {"key": "summary", "title": "Summary sheet", "files": ["Summary sheet.pdf"]}],
        stored_name=stored,
    )  # fmt: skip
