"""Property tests: :func:`fairlens.read_table` never crashes on any input (input errors only)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import fairlens
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
