"""Property tests: :func:`fairlens.read_table` never crashes on any input (input errors only)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import fairlens
from fairlens.auditing import AuditOptions, audit_spec
from fairlens.data import AuditSpec
from tests._helpers import (
    FUZZ,
)

pytestmark = pytest.mark.usefixtures("quiet_numpy")


def _read_or_input_error(data):
    try:
        frame = fairlens.read_table(data)
    except fairlens.FairLensInputError as exc:
        assert str(exc)
        return None
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) >= 1 and frame.shape[1] >= 1
    assert not frame.empty
    assert frame.columns.is_unique
    return frame


@FUZZ
@given(data=st.binary(max_size=600))
@example(data=b"")
@example(data=b"PAR1")
@example(data=b"PAR1\x00\x01garbage")
@example(data=b"\xef\xbb\xbf")
@example(data=b"\x00\x00\x00")
@example(data=b"a,b\n1,2\n\xff\xfe")
def test_read_table_arbitrary_bytes(data):
    _read_or_input_error(data)
    _read_or_input_error(bytearray(data))


@FUZZ
@given(text=st.text(max_size=300))
def test_read_table_arbitrary_text(text):
    _read_or_input_error(text.encode("utf-8"))


_CSV_ALPHABET = st.sampled_from(list(',;\t|"\'\n\r ab01.-#é\\') + ["Unnamed: 0", "nan", "NA"])


@FUZZ
@given(parts=st.lists(_CSV_ALPHABET, max_size=80), encoding=st.sampled_from(["utf-8", "latin-1"]))
def test_read_table_csv_like_text(parts, encoding):
    _read_or_input_error("".join(parts).encode(encoding))


@FUZZ
@given(prefix=st.sampled_from([b"", b"a,b\n", b"PAR1"]), data=st.binary(max_size=200))
def test_read_table_path_and_file_object(tmp_path_factory, prefix, data):

    payload = prefix + data
    path = tmp_path_factory.mktemp("fuzz") / "upload.csv"
    path.write_bytes(payload)
    _read_or_input_error(path)
    _read_or_input_error(str(path))
    _read_or_input_error(io.BytesIO(payload))


@pytest.mark.parametrize("data", [b",\n,\n", b",,\n,,\n,,\n", b";\n;\n"])
def test_read_table_never_returns_a_frame_without_columns(data):
    # Regression: all-empty "Unnamed:" columns were dropped after the zero-column check, so
    # bare delimiters gave a frame with rows and no columns.
    with pytest.raises(fairlens.FairLensInputError):
        fairlens.read_table(data)


# -- the audit on random files: only input errors (issue 15) ----------------------------------
AUDIT_FUZZ = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SPEC = AuditSpec(label="label", score=["score"], sensitive=["race"])
NO_BOOTSTRAP = AuditOptions(bootstrap=0)

_CELL = st.one_of(
    st.sampled_from(["0", "1", "0.5", "1.0", "-1", "2", "1e309", "nan", "NA", "", " ", "inf",
                     "yes", "no", "a", "b", "\"x,y\"", "1,5", "é", "0.99999", "1.00001"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-3, 3).map(str),
    st.text(max_size=4),
)
_HEADER = st.sampled_from(["label,score,race", "label,score,race,race", "label,score,race,x",
                           "label;score;race", "label\tscore\trace", "score,race", "label,,race"])
_ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32-be", "cp1252"])


def _audit_or_input_error(data):
    try:
        audit = audit_spec(data, SPEC, options=NO_BOOTSTRAP)
    except fairlens.FairLensInputError as exc:
        assert str(exc)
        return None
    doc = audit.to_dict()
    assert sum(g["n"] for g in doc["groups"] if g["grouping"] == "race") == doc["n_rows"]
    return audit


@FUZZ
@given(data=st.binary(max_size=400))
@example(data=b"label,score,race\n1,0.5,a\n0,0.2,b\n")
@example(data="label,score,race\n1,0.5,a\n0,0.2,b\n".encode("utf-16"))
def test_audit_spec_arbitrary_bytes(data):
    _audit_or_input_error(data)


#: Rows that mostly pass validation, so that the audit itself runs on odd values.
_PLAUSIBLE_ROW = st.tuples(
    st.sampled_from(["0", "1", "0", "1", "1.0", "yes", "", "2"]),
    st.one_of(st.floats(0, 1).map(repr), st.sampled_from(["0", "1", "0.5"]), _CELL),
    _CELL,
).map(list)


@AUDIT_FUZZ
@given(header=_HEADER,
       rows=st.lists(st.one_of(_PLAUSIBLE_ROW, st.lists(_CELL, min_size=2, max_size=4)),
                     max_size=12),
       encoding=_ENCODING)
@example(header="label,score,race", rows=[["1", "0.5", "1"], ["0", "0.2", "1.0"]],
         encoding="utf-16")
def test_audit_spec_random_csv(header, rows, encoding):
    sep = ";" if ";" in header else "\t" if "\t" in header else ","
    text = "\n".join([header, *(sep.join(r) for r in rows)]) + "\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    if _read_or_input_error(data) is not None:
        _audit_or_input_error(data)
