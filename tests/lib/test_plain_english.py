"""Plain English: codes and acronyms spelled out at first use; unexplained ones and long
sentences flagged. Pure functions, so most of this is property-based."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreg import codes
from sendreg.lib import plain_english as pe
from sendreg.lib.documents import Bullets, Document, Facts, Heading, Paragraph, Table

GLOSSARY = pe.Glossary(
    {
        "SENCO": "special educational needs co-ordinator",
        "SEN": "special educational needs",
        "TA": "teaching assistant",
        "SEMH": "social, emotional and mental health",
        "NSA": "SEN support but no specialist assessment of type of need",
        "SpLD": "specific learning difficulty",
    }
)
ACRONYMS = sorted(GLOSSARY.terms)
WORDS = st.sampled_from(["the", "pupil", "reads", "well", "today", "and", "with", "help", "Maisie"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.one_of(WORDS, st.sampled_from(ACRONYMS)), min_size=1, max_size=40))
    return " ".join(tokens)


def test_first_use_is_spelled_out_and_later_ones_are_not() -> None:
    text = "The SENCO met the TA. The SENCO agreed."
    assert pe.spell_out([text], GLOSSARY) == [
        "The special educational needs co-ordinator (SENCO) met the teaching assistant (TA). "
        "The SENCO agreed."
    ]


def test_first_use_across_a_whole_document() -> None:
    assert pe.spell_out(["Ask the SENCO.", "The SENCO will call."], GLOSSARY) == [
        "Ask the special educational needs co-ordinator (SENCO).",
        "The SENCO will call.",
    ]


def test_an_acronym_at_the_start_of_a_sentence_gets_a_capital() -> None:
    assert pe.spell_out(["Done. SEMH needs.\nTA support."], GLOSSARY) == [
        "Done. Social, emotional and mental health (SEMH) needs.\nTeaching assistant (TA) support."
    ]


def test_a_use_the_writer_explained_counts_as_the_first() -> None:
    text = "SEMH – Social, emotional and mental health. Later SEMH."
    assert pe.spell_out([text], GLOSSARY) == [text]
    text = "Ask the special educational needs co-ordinator (SENCO), then the SENCO."
    assert pe.spell_out([text], GLOSSARY) == [text]


def test_a_meaning_that_uses_an_acronym_has_it_spelled_out_too() -> None:
    assert pe.spell_out(["On NSA. SEN again."], GLOSSARY) == [
        "On special educational needs (SEN) support but no specialist assessment of type of need "
        "(NSA). SEN again."
    ]


def test_plurals_and_other_spellings_share_one_first_use() -> None:
    assert pe.spell_out(["Two TAs help. The TA and SPLD, SpLD."], GLOSSARY) == [
        "Two teaching assistants (TAs) help. The TA and specific learning difficulty (SPLD), SpLD."
    ]


def test_names_are_not_acronyms() -> None:
    assert pe.unexplained_acronyms("Mrs McDonald and DeShawn met Ivy O'Neill.", GLOSSARY) == []


@given(texts())
def test_every_known_acronym_is_spelled_out_exactly_once(text: str) -> None:
    (out,) = pe.spell_out([text], GLOSSARY)
    for acronym in {a for a in ACRONYMS if a in text.split()}:
        assert out.count(f"({acronym})") == 1


@given(texts())
def test_spelling_out_twice_changes_nothing_more(text: str) -> None:
    once = pe.spell_out([text], GLOSSARY)
    assert pe.spell_out(once, GLOSSARY) == once


@given(st.text(max_size=300))
def test_spelling_out_never_loses_the_writers_words(text: str) -> None:
    (out,) = pe.spell_out([text], GLOSSARY)
    # Only insertions: every character of the original is still there, in order.
    it = iter(out)
    assert all(c in it for c in text)


def test_unexplained_acronyms_are_flagged_once_and_known_ones_not() -> None:
    findings = pe.check("ELSA every week. The SENCO and ELSA. ZoR (Zones of Regulation).", GLOSSARY)
    assert [(f.kind, f.text) for f in findings] == [(pe.FindingKind.ACRONYM, "ELSA")]
    assert findings[0].message == pe.UNEXPLAINED_ACRONYM.format(acronym="ELSA")


@pytest.mark.parametrize(("words", "flagged"), [(25, False), (26, True)])
def test_sentences_over_25_words_are_flagged(words: int, flagged: bool) -> None:
    sentence = " ".join(["word"] * words) + "."
    findings = pe.check(f"Short one. {sentence} Another short one.", GLOSSARY)
    assert [f.kind for f in findings] == ([pe.FindingKind.LONG_SENTENCE] if flagged else [])
    if flagged:
        assert findings[0].words == 26
        assert findings[0].message == pe.LONG_SENTENCE.format(
            words=26, limit=25, start=" ".join(["word"] * 8)
        )


@given(st.lists(st.integers(1, 40), min_size=1, max_size=8))
def test_long_sentences_are_found_whatever_the_mix(lengths: list[int]) -> None:
    text = " ".join(" ".join(["word"] * n) + "." for n in lengths)
    assert [n for _, n in pe.long_sentences(text)] == [n for n in lengths if n > 25]


def test_abbreviations_and_lines_split_sentences_where_a_reader_would() -> None:
    assert pe.sentences("Use e.g. a ruler. Mr. Khan agrees!\n- Next item\nLast") == [
        "Use e.g. a ruler.",
        "Mr. Khan agrees!",
        "- Next item",
        "Last",
    ]
    assert pe.word_count("- one – two") == 2


@given(st.text(max_size=500))
def test_check_never_fails_on_any_text(text: str) -> None:
    for finding in pe.check(text, GLOSSARY):
        assert finding.message


def test_a_document_is_spelled_out_in_its_body_not_its_headings() -> None:
    document = Document(
        title="SENCO report",
        blocks=(
            Heading("SEMH"),
            Facts((("SEN status", "K – SEN support"),)),
            Paragraph("The SENCO and the TA."),
            Bullets(("SEMH needs", "SENCO again")),
            Table(("TA",), (("A TA helps",),)),
        ),
    )
    out = pe.spell_out_document(document, GLOSSARY)
    assert out.title == "SENCO report"
    assert out.blocks[0] == Heading("SEMH")
    assert out.blocks[1] == Facts((("SEN status", "K – special educational needs (SEN) support"),))
    assert out.blocks[2] == Paragraph(
        "The special educational needs co-ordinator (SENCO) and the teaching assistant (TA)."
    )
    assert out.blocks[3] == Bullets(
        ("Social, emotional and mental health (SEMH) needs", "SENCO again")
    )
    assert out.blocks[4] == Table(("TA",), (("A TA helps",),))


# --- The glossary as shipped ------------------------------------------------------------------


def test_the_glossary_holds_every_census_code(db: None) -> None:
    glossary = pe.load_glossary()
    for need in codes.NEED_TYPES:
        assert glossary.meaning(need.code) is not None
    for provision in codes.SenProvision:
        assert glossary.meaning(provision.value) is not None
    assert glossary.meaning("SEMH") == "social, emotional and mental health"
    assert glossary.meaning("SENCO") == "special educational needs co-ordinator"


def test_no_meaning_in_the_glossary_is_itself_unexplained(db: None) -> None:
    glossary = pe.load_glossary()
    for term, meaning in glossary.terms.items():
        assert pe.unexplained_acronyms(meaning, glossary) == [], term
