"""Write the same small pupil export in several encodings, as MIS tools and Excel save them.

    python tests/data/encodings/make_encoding_samples.py

Shift-JIS, GBK and GB2312 are what a Japanese or Chinese Windows saves "CSV" in;
sendreg must refuse them rather than read the names as nonsense. UTF-8, UTF-16
(Excel's "Unicode Text") and Windows-1252 are read.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = "UPN,Legal Surname,Legal Forename,DOB,Year"

#: (file name, encoding, byte order mark, rows) -- UPNs are valid, LA 801, school 2000.
ROWS_JA = ["R801200020001,山田,太郎,01/09/2012,8", "F801200020002,鈴木,一郎,02/10/2012,8"]
ROWS_ZH = ["R801200020001,王,伟,01/09/2012,8", "F801200020002,李,娜,02/10/2012,8"]
ROWS_WEST = [
    "R801200020001,O’Brien,Zoë,01/09/2012,8",
    "F801200020002,Núñez,José,02/10/2012,8",
    "V801200020003,Ó Súilleabháin,Siân,03/11/2012,8",
    "J801200020004,Smith–Jones,Chloé,04/12/2012,8",
]
SAMPLES = [
    ("pupils_shift_jis.csv", "shift_jis", b"", ROWS_JA),
    ("pupils_gbk.csv", "gbk", b"", ROWS_ZH),
    ("pupils_gb2312.csv", "gb2312", b"", ROWS_ZH),
    ("pupils_cp1252.csv", "cp1252", b"", ROWS_WEST),
    ("pupils_utf16le_bom.txt", "utf-16-le", b"\xff\xfe", ROWS_WEST),
    ("pupils_utf16le_no_bom.txt", "utf-16-le", b"", ROWS_WEST),
    ("pupils_utf16be_bom.txt", "utf-16-be", b"\xfe\xff", ROWS_WEST),
]


def sample_bytes(encoding: str, bom: bytes, rows: list[str]) -> bytes:
    separator = "\t" if encoding.startswith("utf-16") else ","
    lines = [HEADER, *rows]
    text = "\r\n".join(line.replace(",", separator) for line in lines) + "\r\n"
    return bom + text.encode(encoding)


def main() -> None:
    for name, encoding, bom, rows in SAMPLES:
        (HERE / name).write_bytes(sample_bytes(encoding, bom, rows))


if __name__ == "__main__":
    main()
