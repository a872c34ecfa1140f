"""The MIS's medical flag is imported, and the Medical register lists pupils it marks who
have no condition recorded yet, as the EAL register does for EAL."""

from __future__ import annotations

from django.utils.html import escape

from sendreg.imports.parsers import PupilRow, parse_export
from sendreg.imports.services import import_apply
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from sendreg.records import services as records
from sendreg.records.selectors import MIS_FLAG_ONLY
from tests.conftest import TODAY

ASH, BEA, CAL = (make_upn(801, 2000, 20, n) for n in (1, 2, 3))
EXPORT = (
    "UPN,Legal Surname,Legal Forename,DOB,Medical Flag\r\n"
    f"{ASH},Ash,Amy,01/09/2012,Y\r\n"
    f"{BEA},Bea,Ben,01/09/2012,Yes\r\n"
    f"{CAL},Cal,Cara,01/09/2012,N\r\n"
).encode()


def test_the_medical_column_is_read_as_a_flag() -> None:
    rows = [row for row in parse_export(EXPORT, "x.csv").rows if isinstance(row, PupilRow)]
    assert [row.medical for row in rows] == [True, True, False]


def test_pupils_the_mis_marks_medical_are_on_the_medical_register(school, senco, login) -> None:
    import_apply(school=school, data=EXPORT, filename="x.csv", by=senco, today=TODAY)
    assert set(Pupil.objects.filter(medical=True).values_list("upn", flat=True)) == {ASH, BEA}
    bea = Pupil.objects.get(upn=BEA)
    records.medical_condition_create(
        pupil=bea, by=senco, condition="Asthma", has_ihp=False, ihp_review_date=None
    )
    client = login(senco)

    html = client.get("/registers/medical/").content.decode()
    assert "Ash, Amy" in html and escape(MIS_FLAG_ONLY) in html
    # Ben has a condition recorded: he is listed by it, not as a bare flag.
    assert html.count("Bea, Ben") == 1 and "Asthma" in html
    assert html.count(escape(MIS_FLAG_ONLY)) == 1
    assert "Cal, Cara" not in html

    # No plan is recorded for a bare flag, so it is not among those with one.
    assert "Ash, Amy" not in client.get("/registers/medical/", {"ihp": "yes"}).content.decode()
    assert "Ash, Amy" in client.get("/registers/medical/", {"ihp": "no"}).content.decode()

    csv = client.get("/registers/medical/", {"export": "csv"}).content.decode("utf-8-sig")
    assert f"{ASH},Ash,Amy" in csv and MIS_FLAG_ONLY in csv

    index = client.get("/registers/").content.decode()
    assert '<td>2 <span class="visually-hidden">pupils with a medical condition' in index
