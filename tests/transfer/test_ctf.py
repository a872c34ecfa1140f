"""Reading and writing Common Transfer Files, hostile ones included: no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreg.lib.documents import xml_safe
from sendreg.transfer.ctf import (
    REFUSED_DTD,
    CtfRefused,
    CtfSchool,
    build_ctf,
    is_ctf,
    parse_ctf,
)
from sendreg.transfer.rules import SenEntry
from tests.transfer.conftest import AMY, BEN, CARA, ctf_bytes, ctf_pupil

MB = 1024 * 1024
D = dt.date

GOOD_HEADER = b"""<Header><DocumentName>Common Transfer File</DocumentName>
<SourceSchool><LEA>801</LEA><Estab>2345</Estab><SchoolName>Greenfield Primary</SchoolName>
</SourceSchool><DestSchool><LEA>801</LEA><Estab>2000</Estab></DestSchool></Header>"""


def _file(pupils: bytes, *, prolog: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + prolog
        + b"<CTfile>"
        + GOOD_HEADER
        + b"<CTFpupilData>"
        + pupils
        + b"</CTFpupilData></CTfile>"
    )


PUPIL = b"""<Pupil><UPN>A801200014001</UPN><Surname>Young</Surname><Forename>Maisie</Forename>
<DOB>2014-05-17</DOB><Gender>F</Gender>
<SENhistory><SEN><StartDate>2021-09-06</StartDate><SENprovision>K</SENprovision></SEN>
<SEN><StartDate>2023-01-09</StartDate><SENprovision>S</SENprovision></SEN>
<SENneeds><SENneed><SENtype>SLCN</SENtype><SENtypeRank>2</SENtypeRank></SENneed>
<SENneed><SENtype>asd</SENtype><SENtypeRank>1</SENtypeRank></SENneed></SENneeds></SENhistory>
</Pupil>"""


def test_a_ctf_is_read_with_its_sen_history_in_rank_and_date_order() -> None:
    parsed = parse_ctf(_file(PUPIL), max_bytes=MB)
    assert parsed.header.source == CtfSchool("801", "2345", "", "Greenfield Primary", "")
    assert parsed.header.dest.laestab == "8012000"
    (pupil,) = parsed.pupils
    assert (pupil.upn, pupil.name, pupil.date_of_birth) == (
        "A801200014001",
        "Maisie Young",
        D(2014, 5, 17),
    )
    assert pupil.sen == (SenEntry(D(2021, 9, 6), "K"), SenEntry(D(2023, 1, 9), "E"))
    assert pupil.needs == ("ASD", "SLCN")
    assert [w.field for w in parsed.warnings] == ["sen_provision"]  # S read as E, rule 2115


def test_a_namespaced_ctf_is_read_too() -> None:
    data = _file(PUPIL).replace(b"<CTfile>", b'<CTfile xmlns="urn:example:ctf">')
    assert is_ctf(data)
    assert parse_ctf(data, max_bytes=MB).pupils[0].upn == "A801200014001"


def test_problems_are_reported_by_pupil_and_those_pupils_skipped() -> None:
    bad = (
        b"<Pupil><UPN>A801200014002</UPN><Surname>Bad</Surname><Forename>Upn</Forename>"
        b"<DOB>2014-05-17</DOB></Pupil>"
        b"<Pupil><UPN>A801200014001</UPN><Surname>Twice</Surname><Forename>Ranked</Forename>"
        b"<DOB>17/05/2014</DOB><SENhistory><SENneeds>"
        b"<SENneed><SENtype>XYZ</SENtype><SENtypeRank>1</SENtypeRank></SENneed>"
        b"</SENneeds></SENhistory></Pupil>"
    )
    parsed = parse_ctf(_file(PUPIL + bad), max_bytes=MB)
    assert [p.upn for p in parsed.pupils] == ["A801200014001"]
    assert parsed.total == 3
    problems = [(e.number, e.field, e.name) for e in parsed.errors]
    assert (2, "upn", "Upn Bad") in problems
    assert (3, "upn", "Ranked Twice") in problems  # the same UPN as pupil 1
    assert (3, "date_of_birth", "Ranked Twice") in problems
    assert (3, "sen_needs", "Ranked Twice") in problems
    messages = " ".join(e.message for e in parsed.errors)
    assert "'17/05/2014' is not a date like 2014-05-17" in messages
    assert "The need type 'XYZ' is not a census need type." in messages


# --- Hostile files: refused, with the reason, and never expanded --------------------------


BILLION_LAUGHS = _file(
    b"<Pupil><Surname>&lol9;</Surname></Pupil>",
    prolog=b"""<!DOCTYPE CTfile [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
""",
)


def external_entity(path: Path) -> bytes:
    return _file(
        b"<Pupil><UPN>A801200014001</UPN><Surname>&secret;</Surname><Forename>X</Forename>"
        b"<DOB>2014-05-17</DOB></Pupil>",
        prolog=f'<!DOCTYPE CTfile [<!ENTITY secret SYSTEM "file://{path}">]>\n'.encode(),
    )


EXTERNAL_DTD = _file(PUPIL, prolog=b'<!DOCTYPE CTfile SYSTEM "http://example.invalid/ctf.dtd">\n')
DOCTYPE_ALONE = _file(PUPIL, prolog=b"<!DOCTYPE CTfile>\n")


def hostile_files(tmp_path: Path) -> dict[str, bytes]:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    return {
        "billion laughs": BILLION_LAUGHS,
        "external entity to a local file": external_entity(secret),
        "external DTD": EXTERNAL_DTD,
        "a DOCTYPE alone": DOCTYPE_ALONE,
    }


@pytest.mark.parametrize(
    "name", ["billion laughs", "external entity to a local file", "external DTD", "a DOCTYPE alone"]
)
def test_hostile_xml_is_refused_with_a_clear_message(name: str, tmp_path: Path) -> None:
    data = hostile_files(tmp_path)[name]
    assert is_ctf(data)  # recognised, so that it reaches the refusal rather than another reader
    with pytest.raises(CtfRefused) as exc:
        parse_ctf(data, max_bytes=MB)
    assert str(exc.value) == REFUSED_DTD
    assert "TOP-SECRET" not in str(exc.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"<CTfile><Header>", "not well-formed XML"),
        (b"<Other/>", "its first element is <Other>"),
        (b"<CTfile><Header/></CTfile>", "holds no pupils"),
        (b"<CTfile>" + b" " * (MB + 1) + b"</CTfile>", "the largest file sendreg accepts is 1 MB"),
    ],
)
def test_unusable_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(CtfRefused, match=message):
        parse_ctf(data, max_bytes=MB)


def test_only_ctf_files_are_recognised() -> None:
    assert is_ctf(b"\xef\xbb\xbf  <?xml version='1.0'?>\n<!-- x -->\n<CTfile>")
    assert not is_ctf(b"UPN,Surname\nA801200014001,Young\n")
    assert not is_ctf(b"<html><body>CTfile</body></html>")


# --- Writing -------------------------------------------------------------------------------


def test_what_is_written_is_read_back_the_same() -> None:
    written = ctf_bytes([AMY, BEN, CARA])
    parsed = parse_ctf(written, max_bytes=MB)
    assert parsed.errors == []
    assert [(p.upn, p.sen, p.needs) for p in parsed.pupils] == [
        (p.upn, p.sen, p.needs) for p in (AMY, BEN, CARA)
    ]


@given(
    st.text(
        alphabet=st.characters(exclude_categories=["Cs"]) | st.sampled_from("<>&'\"]]>"),
        min_size=1,
        max_size=40,
    )
)
def test_any_name_is_written_as_text_never_as_markup(name: str) -> None:
    pupil = ctf_pupil(4, surname=name, forename="X")
    parsed = parse_ctf(ctf_bytes([pupil]), max_bytes=MB)
    expected = " ".join(xml_safe(name).split())
    if expected:
        assert parsed.pupils[0].surname == expected


def test_the_header_names_source_and_destination() -> None:
    data = build_ctf(
        source=CtfSchool("801", "2000", "100001", "Oakfield Academy", "2025/26"),
        dest=CtfSchool("801", "2345"),
        pupils=[AMY],
        written_at=dt.datetime(2025, 11, 12, 12, 0),
    )
    header = parse_ctf(data, max_bytes=MB).header
    assert header.source.name == "Oakfield Academy"
    assert (header.source.laestab, header.dest.laestab) == ("8012000", "8012345")
    assert header.written_at == dt.datetime(2025, 11, 12, 12, 0)
