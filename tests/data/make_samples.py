"""Write the sample MIS exports in this folder, byte for byte the same every time.

Run it after changing the samples (from the repository root):

    PYTHONPATH=src python tests/data/make_samples.py

The generated files are committed, so tests read exactly what a school would
upload; ``tests/imports/test_parsers.py`` checks that they still match this script.

Each file copies the quirks of one MIS: SIMS writes UTF-8 with a byte order mark
and CRLF line ends; Arbor writes an .xlsx with a title row, descriptions instead
of codes and real date cells; Bromcom writes semicolon-separated Windows-1252.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from sendreg.pupils.rules import make_upn

HERE = Path(__file__).resolve().parent

#: The school in sims_students.csv and class_list.csv: LA 801, establishment 2000.
SIMS_LA, SIMS_ESTAB = 801, 2000


def sims_upn(year: int, serial: int) -> str:
    return make_upn(SIMS_LA, SIMS_ESTAB, year, serial)


def _csv_text(rows: list[list[str]], *, delimiter: str = ",", newline: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue()


def _table(text: str) -> list[list[str]]:
    """Rows from a pipe-separated block, which keeps the sample data readable here."""
    rows = [line.split("|") for line in text.strip().splitlines()]
    assert len({len(row) for row in rows}) == 1, "every row needs the same number of fields"
    return rows


# surname|forename|preferred|DOB|gender|year|reg|status|need 1|need 2|EAL|FSM|PP|in care|
# attendance|admission date
SIMS_PUPILS = _table(
    """
Ahmed|Yusuf||14/03/2013|M|7|7A|K|SPLD||Yes|F|No|F|96.4|02/09/2024
Baker|Olivia|Liv|02/11/2012|F|7|7A||||No|F|No|F|98.1|02/09/2024
Campbell|Noah||21/06/2013|M|7|7B|E|ASD|SLCN|No|T|Yes|F|91.0|02/09/2024
Davies|Amelia||30/09/2012|F|8|8A||||No|F|No|F|97.3|04/09/2023
Evans|Harry||05/01/2012|M|8|8A|K|SEMH||No|T|Yes|T|84.2|04/09/2023
Fraser|Isla||17/04/2012|F|8|8B||||Yes|F|No|F|95.0|04/09/2023
Ghosh|Arjun||09/12/2011|M|9|9A|K|SLCN|SPLD|Yes|F|No|F|93.7|05/09/2022
Hughes|Grace|Gracie|23/02/2011|F|9|9A||||No|F|No|F|99.2|05/09/2022
Iqbal|Zain||11/07/2011|M|9|9B|N|||Yes|T|Yes|F|92.5|05/09/2022
Jones|Ella||28/10/2010|F|10|10A||||No|F|No|F|97.8|06/09/2021
Khan|Musa||03/05/2010|M|10|10A|E|SLD|PD|Yes|T|Yes|F|88.9|06/09/2021
Lewis|Freya||19/08/2010|F|10|10B|K|MLD||No|F|Yes|F|94.1|06/09/2021
Morgan|Jack||07/11/2009|M|11|11A||||No|F|No|F|96.0|01/09/2020
Nowak|Zofia||15/01/2010|F|11|11A|K|HI||Yes|F|No|F|95.5|01/09/2020
Owen|Charlie||26/03/2010|M|11|11B||||No|T|Yes|F|89.7|01/09/2020
Patel|Anaya||12/06/2013|F|7|7B||||Yes|F|No|F|98.6|02/09/2024
Quinn|Oscar||01/02/2012|M|8|8B|K|OTH||No|F|No|F|90.3|04/09/2023
Roberts|Mia||22/09/2011|F|9|9B||||No|F|No|F|97.0|05/09/2022
Singh|Kiran||04/04/2010|M|10|10B||||Yes|F|No|F|96.9|06/09/2021
Taylor|Poppy||13/12/2009|F|11|11B|K|VI||No|T|Yes|T|86.5|01/09/2020
"""
)

#: NC year -> last two digits of the year the UPN was issued (the pupil's reception year).
_ISSUED = {7: 19, 8: 20, 9: 21, 10: 22, 11: 23}


def sims_upns() -> list[str]:
    return [sims_upn(_ISSUED[int(pupil[5])], serial) for serial, pupil in enumerate(SIMS_PUPILS, 1)]


def sims_students() -> bytes:
    header = [
        "UPN",
        "Legal Surname",
        "Legal Forename",
        "Preferred Forename",
        "DOB",
        "Gender",
        "Year",
        "Reg",
        "SEN Status",
        "SEN Need Type 1",
        "SEN Need Type 2",
        "EAL",
        "FSM Eligible",
        "Pupil Premium Indicator",
        "In LA Care",
        "Attendance %",
        "Admission Date",
    ]
    rows = [header]
    for upn, pupil in zip(sims_upns(), SIMS_PUPILS, strict=True):
        rows.append([upn, *pupil])
    # SIMS pads some values with spaces; the parser must strip them.
    rows[1][2] = " Yusuf "
    rows[3][8] = " E "
    rows[5][1] = " " + rows[5][1]
    text = _csv_text(rows) + "\r\n"  # and a blank trailing line
    return b"\xef\xbb\xbf" + text.encode("utf-8")


ARBOR_LA, ARBOR_ESTAB = 330, 4100

# surname|forename|preferred|DOB|sex|year|form|provision|primary need|secondary need|
# EAL|FSM|PP|looked after|attendance (a fraction, as Excel stores a percentage)
ARBOR_PUPILS = _table(
    """
Walsh|Erin||2013-05-04|Female|Year 7|7RW|SEN Support|Specific Learning Difficulty||F|T|T|F|0.945
Adeyemi|Tobi|Tobi|2012-10-19|Male|Year 8|8JS|EHC Plan|Autistic Spectrum Disorder|\
Speech, Language and Communication Needs|T|F|F|F|0.912
Brennan|Saoirse||2011-12-01|Female|Year 9|9KL||||F|F|F|F|0.978
Chen|Leo||2011-03-30|Male|Year 9|9KL|Education, Health and Care Plan|\
Social, Emotional and Mental Health||T|T|T|T|0.861
Dlamini|Thandi||2010-07-14|Female|Year 10|10MP|No Special Educational Need|||T|F|F|F|1
Evans|Rhys||2009-11-02|Male|Year 11|11AB|SEN Support|Moderate Learning Difficulty|\
Hearing Impairment|F|T|T|F|0.899
"""
)


def _arbor_cell(column: int, text: str) -> object:
    """The typed value Arbor would put in the cell: real dates, booleans and numbers."""
    if column == 3:
        return date.fromisoformat(text)
    if 10 <= column <= 13:
        return text == "T"
    if column == 14:
        return float(text) if "." in text else int(text)
    return text or None


def arbor_upns() -> list[str]:
    return [make_upn(ARBOR_LA, ARBOR_ESTAB, 20, serial) for serial in range(1, 7)]


def arbor_students() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Students"
    sheet.append(["Student list – exported from Arbor"])
    sheet.append([])
    sheet.append(
        [
            "Unique Pupil Number",
            "Last Name",
            "First Name",
            "Preferred Name",
            "Date of Birth",
            "Sex",
            "Year Group",
            "Registration Form",
            "SEN Provision",
            "Primary SEN Need",
            "Secondary SEN Need",
            "English as an Additional Language",
            "Free School Meals",
            "PP",
            "Looked After",
            "Attendance",
        ]
    )
    for upn, pupil in zip(arbor_upns(), ARBOR_PUPILS, strict=True):
        sheet.append([upn, *(_arbor_cell(column, text) for column, text in enumerate(pupil))])
        sheet.cell(row=sheet.max_row, column=5).number_format = "dd/mm/yyyy"
        sheet.cell(row=sheet.max_row, column=16).number_format = "0.0%"
    workbook.properties.creator = "Arbor"
    workbook.properties.created = datetime(2024, 9, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The workbook with fixed timestamps, so regenerating it changes no bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2024-09-01T00:00:00Z\2", content
                )
            info = zipfile.ZipInfo(entry.filename, date_time=(2024, 9, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


BROMCOM_LA, BROMCOM_ESTAB = 873, 2010

# surname|forename|DOB|gender|NC year|tutor group|stage|need 1|need 2|EAL|FSM|CLA|
# attendance|admission date|leaving date
BROMCOM_PUPILS = _table(
    """
O’Brien|Zoë|2012-04-21|F|Y8|8T1|K|SPLD||N|1|N|95.2|2023-09-05|
Müller|Jürgen|2011-08-30|M|Y9|9T2|E|ASD||Y|0|N|90.0|2022-09-06|
Ó Súilleabháin|Siân|2013-01-15|F|Y7|7T1||||N|0|N|99.0|2024-09-03|
Smith|Daniel|2010-02-11|M|Y10|10T3|K|SEMH|MLD|N|1|Y|82.4|2021-09-07|2025-02-28
Núñez|Ana|2012-06-09|F|Y8|8T2|N|||Y|0|N|97.5|2023-09-05|
"""
)


def bromcom_upns() -> list[str]:
    return [make_upn(BROMCOM_LA, BROMCOM_ESTAB, 21, serial) for serial in range(1, 6)]


def bromcom_students() -> bytes:
    header = [
        "UPN",
        "Surname",
        "Forename",
        "Date of Birth",
        "Gender",
        "NC Year",
        "Tutor Group",
        "SEN Stage",
        "SEN Need 1",
        "SEN Need 2",
        "EAL",
        "FSM",
        "CLA",
        "Attendance",
        "Admission Date",
        "Leaving Date",
    ]
    rows = [header]
    for upn, pupil in zip(bromcom_upns(), BROMCOM_PUPILS, strict=True):
        rows.append([upn, *pupil])
    text = _csv_text(rows, delimiter=";", newline="\n")
    return text.encode("cp1252")


CLASSES: list[tuple[int, str, str]] = [
    (1, "7A/Ma1", "Mrs J Patel"),
    (1, "7A/En2", "t.hughes@school.example"),
    (2, "7A/Ma1", "Mrs J Patel"),
    (3, "7B/Ma2", "Mr D Okafor"),
    (3, "7B/En1", "t.hughes@school.example"),
    (5, "8A/Sc1", "r.singh@school.example"),
    (7, "9A/Hu1", "Ms K Wright"),
    (11, "10A/Ma1", "Mrs J Patel"),
]


def class_list() -> bytes:
    upns = sims_upns()
    rows = [["UPN", "Class", "Teacher"]]
    rows += [[upns[pupil - 1], group, teacher] for pupil, group, teacher in CLASSES]
    return _csv_text(rows).encode("utf-8")


def wrong_check_letter(upn: str) -> str:
    """``upn`` with a check letter that is not the right one."""
    return ("A" if upn[0] != "A" else "B") + upn[1:]


def bad_rows() -> bytes:
    good = [sims_upn(24, serial) for serial in range(901, 910)]
    rows = [
        ["UPN", "Legal Surname", "Legal Forename", "DOB", "SEN Status", "SEN Need Type 1"],
        [good[0], "Good", "Gwen", "01/09/2012", "K", "SPLD"],  # 2: no problem
        ["", "Nobody", "Nia", "02/09/2012", "", ""],  # 3: missing UPN
        [wrong_check_letter(good[1]), "Wrong", "Will", "03/09/2012", "", ""],  # 4: check letter
        [good[2], "First", "Fay", "04/09/2012", "", ""],  # 5: first of a duplicate
        [good[2], "Second", "Sam", "04/09/2012", "", ""],  # 6: duplicate of row 5
        [good[3], "Datey", "Dan", "31/02/2012", "", ""],  # 7: not a real date
        [good[4], "Vague", "Val", "sometime in 2012", "", ""],  # 8: not a date at all
        [good[5], "Blank", "Bea", "", "", ""],  # 9: missing date of birth
        [good[6], "Unknown", "Uma", "05/09/2012", "K", "DYSLX"],  # 10: unknown need code
        [good[7], "Statement", "Stan", "06/09/2012", "S", "ASD"],  # 11: discontinued S
        [good[8], "Mystery", "Max", "07/09/2012", "X", ""],  # 12: unknown status
    ]
    return _csv_text(rows).encode("utf-8")


def build() -> dict[str, bytes]:
    """Every sample file's name and bytes."""
    return {
        "sims_students.csv": sims_students(),
        "arbor_students.xlsx": arbor_students(),
        "bromcom_students.csv": bromcom_students(),
        "class_list.csv": class_list(),
        "bad_rows.csv": bad_rows(),
    }


def main() -> None:
    for name, data in build().items():
        (HERE / name).write_bytes(data)
        print(f"wrote {name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
