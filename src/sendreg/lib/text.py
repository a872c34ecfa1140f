"""Text from outside, made safe to keep and to write into XML-based files.

Control characters (U+0000 to U+001F other than tab and line feed) have no place
in a name, a note or a spreadsheet cell, and XML 1.0 — and so every .xlsx and
.docx file — cannot hold them at all: one vertical tab
(``\\x0b``) in a pupil's name made every Excel and Word export of the school fail.
They are removed where text comes in (``ControlCharactersMiddleware`` for every
form, the MIS parsers for every file) and again where text goes out into XML
(``xml_safe``), in case older data still holds one. A carriage return is a line
break from Windows or an old Mac (a browser sends each line of a text box ending
in one): it becomes a line feed, so no line is joined to the next.
"""

from __future__ import annotations

import re

#: The control characters no text that comes in keeps: C0 controls but tab and line feed
#: (which forms and multi-line notes use), and DEL. A carriage return becomes a line feed.
CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - {"\t", "\n"}
_REMOVE = str.maketrans(dict.fromkeys(CONTROL_CHARACTERS))
_FOUND = re.compile("[" + re.escape("".join(sorted(CONTROL_CHARACTERS))) + "]")

#: What XML 1.0 cannot hold at all: the same C0 controls (DEL is allowed), the
#: surrogates, and U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def has_control_characters(text: str) -> bool:
    return _FOUND.search(text) is not None


def strip_control(text: str) -> str:
    """``text`` without control characters: tab and line feed are kept, and each line break
    written with a carriage return (``\\r\\n`` or ``\\r``) becomes a line feed."""
    if _FOUND.search(text) is None:
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if _FOUND.search(text) is None:
            return text
    return text.translate(_REMOVE)


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold removed, for .xlsx and .docx files."""
    return _NOT_XML.sub("", text)
