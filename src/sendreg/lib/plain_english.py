"""Plain English for documents parents read: codes and acronyms spelled out, short sentences.

Two jobs, both pure functions of text and a glossary:

- ``spell_out`` writes each known code or acronym in full the first time a document
  uses it ("special educational needs co-ordinator (SENCO)"), and leaves later uses
  short. A use that the writer already explained ("ELSA (emotional literacy support
  assistant)", "(ELSA)", or a code followed by its meaning as in "SEMH – Social,
  emotional and mental health") counts as the first.
- ``check`` flags, in text staff wrote, any acronym the glossary does not know and the
  text does not explain, and any sentence over 25 words, so that the writer can put
  it right before the document is shared.

The glossary is data (``sendreg/data/glossary.json``) plus every census code from
``sendreg.codes``, loaded once by ``load_glossary``. Support plans, EHC documents,
insight reports and transfer packs all use the same functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from importlib import resources

from sendreg.lib.documents import Block, Bullets, Document, Facts, Paragraph, Table

#: Sentences longer than this are flagged.
MAX_SENTENCE_WORDS = 25
GLOSSARY_FILE = "data/glossary.json"

UNEXPLAINED_ACRONYM = (
    "“{acronym}” is not explained. Write it out in full the first time, for example "
    "“what it stands for ({acronym})”, or use plain words instead."
)
LONG_SENTENCE = (
    "A sentence of {words} words: over {limit} words is hard to follow. Split it into "
    "shorter ones. It begins “{start}…”"
)

# A run of letters and digits starting with a capital and holding at least one more
# capital (SENCO, SpLD, DfE, KS2, SATs). Names such as McDonald also match here and are
# set aside by ``_looks_like_acronym``: an acronym has at least as many capitals as
# small letters.
_TOKEN = re.compile(r"(?<![\w])[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?![\w])")
_EXPLAINED_AFTER = re.compile(r"\s*(?:\(|[–—-]\s+\w)")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Mr.", "Mrs.", "Ms.", "Dr.", "approx.", "no.", "vs.")
_DOT = "\u2024"  # one dot leader: stands in for the full stop of an abbreviation


class Glossary:
    """Acronym to meaning, each meaning as it reads in the middle of a sentence."""

    def __init__(self, terms: Mapping[str, str]) -> None:
        self.terms: dict[str, str] = dict(terms)
        self._upper = {key.upper(): value for key, value in self.terms.items()}

    def __repr__(self) -> str:
        return f"Glossary({len(self.terms)} terms)"

    def meaning(self, token: str) -> str | None:
        """The meaning of ``token``: as written, in capitals (SpLD is SPLD), or a plural."""
        if token in self.terms:
            return self.terms[token]
        if token.upper() in self._upper:
            return self._upper[token.upper()]
        if token.endswith("s") and len(token) > 2:
            singular = self.meaning(token[:-1])
            if singular is not None:
                return _plural(singular)
        return None

    def key(self, token: str) -> str:
        """One name for every spelling of an acronym (SpLD and SPLD, TA and TAs)."""
        if token not in self.terms and token.upper() not in self._upper and token.endswith("s"):
            token = token[:-1]
        return token.upper()


def _plural(meaning: str) -> str:
    if meaning.endswith("y") and meaning[-2:-1] not in tuple("aeiou"):
        return meaning[:-1] + "ies"
    return meaning + "s"


def _looks_like_acronym(token: str) -> bool:
    capitals = sum(1 for c in token if c.isupper())
    small = sum(1 for c in token if c.islower())
    return capitals >= 2 and capitals >= small


def acronyms_in(text: str) -> list[re.Match[str]]:
    """Every acronym-like word of ``text``, in order."""
    return [m for m in _TOKEN.finditer(text) if _looks_like_acronym(m.group())]


def _explained_at(text: str, match: re.Match[str]) -> bool:
    """The writer explained this use: "ACR (…)", "(ACR)" or "ACR – meaning"."""
    before = text[: match.start()]
    after = text[match.end() :]
    if before.endswith("(") and after.startswith(")"):
        return True
    return _EXPLAINED_AFTER.match(after) is not None


def _at_sentence_start(text: str, position: int, *, text_starts_sentence: bool) -> bool:
    before = text[:position].rstrip(" \t")
    if before.endswith("\n"):
        return True
    before = before.rstrip()
    if not before:
        return text_starts_sentence
    return before[-1] in ".!?:"


def _spell_out_one(
    text: str, glossary: Glossary, seen: set[str], *, starts_sentence: bool = True
) -> str:
    parts: list[str] = []
    last = 0
    for match in acronyms_in(text):
        token = match.group()
        key = glossary.key(token)
        if key in seen:
            continue
        meaning = glossary.meaning(token)
        if meaning is None:
            continue
        seen.add(key)
        if _explained_at(text, match):
            continue
        # A meaning may itself use an acronym ("SEN support but no specialist …"): that
        # one is spelled out too, unless the reader has already met it.
        meaning = _spell_out_one(meaning, glossary, seen, starts_sentence=False)
        if _at_sentence_start(text, match.start(), text_starts_sentence=starts_sentence):
            meaning = meaning[:1].upper() + meaning[1:]
        parts.append(text[last : match.start()])
        parts.append(f"{meaning} ({token})")
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


def spell_out(texts: Iterable[str], glossary: Glossary, seen: set[str] | None = None) -> list[str]:
    """``texts`` in order, each known acronym written in full at its first use in any of them.

    ``seen`` (acronyms already spelled out earlier in the same document) is updated.
    """
    seen = set() if seen is None else seen
    return [_spell_out_one(text, glossary, seen) for text in texts]


def spell_out_document(document: Document, glossary: Glossary) -> Document:
    """The document with each known acronym spelled out at its first use in the body.

    Headings, labels and table headers stay short (a reader meets the acronym in full in
    the text below them); paragraphs, list items, values and table cells are spelled out.
    """
    seen: set[str] = set()

    def one(text: str) -> str:
        return _spell_out_one(text, glossary, seen)

    blocks: list[Block] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            blocks.append(replace(block, text=one(block.text)))
        elif isinstance(block, Bullets):
            blocks.append(replace(block, items=tuple(one(item) for item in block.items)))
        elif isinstance(block, Facts):
            blocks.append(replace(block, items=tuple((k, one(v)) for k, v in block.items)))
        elif isinstance(block, Table):
            rows = tuple(tuple(one(cell) for cell in row) for row in block.rows)
            blocks.append(replace(block, rows=rows))
        else:
            blocks.append(block)
    return replace(document, blocks=tuple(blocks))


# --- The check ------------------------------------------------------------------------------


class FindingKind(StrEnum):
    ACRONYM = "acronym"
    LONG_SENTENCE = "long_sentence"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    #: The acronym, or the sentence.
    text: str
    message: str
    words: int = 0


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after . ! or ? and at line breaks (a list item is one)."""
    protected = text
    for abbreviation in _ABBREVIATIONS:
        protected = re.sub(
            re.escape(abbreviation), abbreviation.replace(".", _DOT), protected, flags=re.I
        )
    pieces = _SENTENCE_END.split(protected)
    return [p.replace(_DOT, ".").strip() for p in pieces if p and p.strip()]


def word_count(sentence: str) -> int:
    """Words, not marks: a dash or bullet standing alone is not a word."""
    return sum(1 for word in sentence.split() if any(c.isalnum() for c in word))


def long_sentences(text: str, limit: int = MAX_SENTENCE_WORDS) -> list[tuple[str, int]]:
    return [(s, n) for s in sentences(text) if (n := word_count(s)) > limit]


def unexplained_acronyms(text: str, glossary: Glossary) -> list[str]:
    """Acronyms the glossary does not know and the text never explains, each once, in order."""
    matches = acronyms_in(text)
    explained = {m.group() for m in matches if _explained_at(text, m)}
    found: list[str] = []
    for match in matches:
        token = match.group()
        if token in explained or token in found or glossary.meaning(token) is not None:
            continue
        found.append(token)
    return found


def check(text: str, glossary: Glossary) -> list[Finding]:
    """What to put right in ``text`` before it is shared: unexplained acronyms, long sentences."""
    findings = [
        Finding(FindingKind.ACRONYM, acronym, UNEXPLAINED_ACRONYM.format(acronym=acronym))
        for acronym in unexplained_acronyms(text, glossary)
    ]
    for sentence, words in long_sentences(text):
        start = " ".join(sentence.split()[:8])
        findings.append(
            Finding(
                FindingKind.LONG_SENTENCE,
                sentence,
                LONG_SENTENCE.format(words=words, limit=MAX_SENTENCE_WORDS, start=start),
                words,
            )
        )
    return findings


@dataclass(frozen=True)
class FieldFindings:
    """The findings for one piece of staff-written text, named as the page names it."""

    label: str
    findings: tuple[Finding, ...]


def check_fields(fields: Sequence[tuple[str, str]], glossary: Glossary) -> list[FieldFindings]:
    """``check`` over labelled texts; only those with something to put right are returned."""
    result = []
    for label, text in fields:
        findings = check(text, glossary)
        if findings:
            result.append(FieldFindings(label, tuple(findings)))
    return result


# --- The glossary as shipped ------------------------------------------------------------------


def census_terms() -> dict[str, str]:
    """Every census code with its meaning, from ``sendreg.codes`` (the one source)."""
    from sendreg import codes

    terms = {}
    for need in codes.NEED_TYPES:
        meaning = need.meaning
        # "Social, emotional …" reads as "social, emotional …" mid-sentence, but an
        # initialism at the start ("SEN support …") keeps its capitals.
        if meaning[1:2].islower():
            meaning = meaning[:1].lower() + meaning[1:]
        terms[need.code] = meaning
    for provision, label in codes.PROVISION_LABELS.items():
        terms[provision.value] = label[:1].lower() + label[1:] if label[1:2].islower() else label
    return terms


@cache
def load_glossary() -> Glossary:
    """The glossary file and the census codes; the file's entries win where both have one."""
    raw = json.loads(resources.files("sendreg").joinpath(GLOSSARY_FILE).read_text("utf-8"))
    terms = census_terms()
    terms.update(raw["terms"])
    return Glossary(terms)
