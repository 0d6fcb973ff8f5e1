"""File formats and file problems of :func:`fairlens.read_table`: delimiters, encodings, Parquet."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens import read_table
from fairlens.data import MISSING_GROUP
from tests._helpers import (
    assert_contains,
    input_error,
    small_audit,
    small_frame,
)

pytestmark = pytest.mark.usefixtures("quiet_numpy")


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file(data):
    msg = input_error(read_table, data)
    assert_contains(msg, "The file is empty", "CSV, TSV or Parquet", "header row")
    input_error(small_audit, data)


@pytest.mark.parametrize("data", [b"y,score,race\n", b"y,score,race", b"y;score;race\r\n\r\n"])
def test_header_only_file(data):
    msg = input_error(read_table, data)
    assert_contains(msg, "header but no data rows", "Add rows")


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 4,
    b"\x89PNG\r\n\x1a\n" + bytes(200),
    b"PK\x03\x04" + bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8)),
    b"PAR1" + b"\x00\x15\x04" * 50,  # Parquet magic, truncated body
    b"\x1f\x8b\x08\x00" + bytes(100),  # gzip
])
def test_binary_junk(data):
    msg = input_error(read_table, data)
    assert_contains(msg, "Could not read the file as a table", "CSV, TSV and Parquet")


def test_duplicate_column_names():
    msg = input_error(read_table, b"y,score,race ,race\n1,0.5,a,b\n")
    assert_contains(msg, "duplicate column names", "'race'", "Rename")


def test_file_too_large():
    data = b"y,score,race\n" + b"1,0.5,a\n" * 20_000
    msg = input_error(read_table, data, max_bytes=2**16)
    assert_contains(msg, "above the limit", "MB")
    assert len(read_table(data, max_bytes=2**20)) == 20_000


def test_unsupported_format():
    msg = input_error(read_table, b"a,b\n1,2\n", fmt="xlsx")
    assert_contains(msg, "'xlsx'", "csv, tsv, parquet")


def test_missing_path_and_folder(tmp_path):
    msg = input_error(read_table, tmp_path / "nope.csv")
    assert_contains(msg, "not found", "nope.csv")
    msg = input_error(read_table, tmp_path)
    assert_contains(msg, "folder")


def test_text_with_encoding_errors_forced_utf8():
    msg = input_error(read_table, "a,b\nJos\xe9,1\n".encode("latin-1") * 3, encoding="utf-8")
    assert_contains(msg, "Could not read the file as a table", "encoding")


_EXPECTED = pd.DataFrame({
    "y": [1, 0, 1, 0],
    "score": [0.9, 0.2, 0.65, 0.4],
    "race": ["Black", "White", "Hispanic", "White"],
    "city": ["Zürich", "Montréal", "São Paulo", "Köln"],
})


def _text(sep: str, quote_all: bool = False) -> str:
    lines = [sep.join(_EXPECTED.columns)]
    for row in _EXPECTED.itertuples(index=False):
        cells = [str(v) for v in row]
        if quote_all:
            cells = [f'"{c}"' for c in cells]
        lines.append(sep.join(cells))
    return "\n".join(lines) + "\n"


def _check(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), _EXPECTED, check_dtype=False)


@pytest.mark.parametrize(("sep", "name"), [(",", "csv"), ("\t", "tsv"), (";", "semicolon"),
                                           ("|", "pipe")])
def test_delimiters(sep, name):
    _check(read_table(_text(sep).encode()))
    _check(read_table(_text(sep, quote_all=True).encode()))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252"])
def test_encodings(encoding):
    frame = read_table(_text(";").encode(encoding))
    _check(frame)
    assert list(frame.columns) == list(_EXPECTED.columns)  # no BOM in the first name


def test_latin1_with_characters_undefined_in_cp1252():
    # 0x81 and 0x8d are undefined in cp1252, so only latin-1 can read this file.
    data = "name,x\nA\x81B,1\nC\x8dD,2\n".encode("latin-1")
    frame = read_table(data)
    assert frame["name"].tolist() == ["A\x81B", "C\x8dD"]


def test_latin1_with_an_accent_at_the_very_end():
    # Regression: a UTF-8 error in the last 3 bytes was taken for a character cut by the 64 KiB
    # sample even when the sample was the whole file.
    data = "id,city\n1,Paris\n2,Lom\u00e9\n".encode("latin-1")
    frame = read_table(data)
    assert frame["city"].tolist() == ["Paris", "Lom\u00e9"]


def test_crlf_line_endings_and_trailing_delimiter():
    text = _text(",").replace("\n", ",\r\n")
    _check(read_table(text.encode()))


def test_quoted_delimiters_inside_values():
    data = b'y,score,race\n1,0.5,"Black, non-Hispanic"\n0,0.1,White\n'
    frame = read_table(data)
    assert frame["race"].tolist() == ["Black, non-Hispanic", "White"]


def test_parquet_bytes():
    buffer = io.BytesIO()
    _EXPECTED.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    _check(read_table(data))
    _check(read_table(io.BytesIO(data)))
    _check(read_table(bytearray(data)))


def test_parquet_file_with_categorical_and_missing(tmp_path):
    frame = small_frame(n=60)
    frame["race"] = frame["race"].astype("category")
    frame.loc[[0, 1], "race"] = None
    path = tmp_path / "predictions.bin"  # the name says nothing; the content decides
    frame.to_parquet(path, index=False)
    result = fairlens.audit(path, label="y", score="score", sensitive=["race"], bootstrap=0,
                            min_group_size=0)
    by = result.by_group.set_index("group")
    assert by.loc[MISSING_GROUP, "n"] == 2
    assert by["n"].sum() == 60


def test_audit_reads_every_format_the_same():
    frame = small_frame(n=60)
    csv = frame.to_csv(index=False).encode()
    tsv = frame.to_csv(index=False, sep="\t").encode()
    semi = frame.to_csv(index=False, sep=";").encode("latin-1")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    docs = [small_audit(data).to_dict() for data in (csv, tsv, semi, buffer.getvalue())]
    for doc in docs[1:]:
        assert doc["overall"] == docs[0]["overall"]
        assert [g["n"] for g in doc["groups"]] == [g["n"] for g in docs[0]["groups"]]


def test_path_and_file_object(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_bytes(_text("\t").encode())
    _check(read_table(path))
    _check(read_table(str(path)))
    with open(path, "rb") as fh:
        _check(read_table(fh))
