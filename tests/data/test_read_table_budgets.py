"""The input contract and the resource budgets of :func:`fairlens.read_table` (issue 15, 2/3/6).

Every budget is checked before the rows are read: the header gives the columns, the Parquet
metadata the rows, and for text the rows are estimated from the file size.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairlens import read_table
from fairlens.data import _load, detect_encoding
from tests._helpers import assert_contains, input_error
from tests.data import _bombs

pytestmark = pytest.mark.usefixtures("quiet_numpy")

CSV = "label,score,race\n1,0.9,Afro-Américain\n0,0.2,Caucasian\n1,0.4,Caucasian\n"


def _parquet(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


# -- encodings -------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding, detected", [
    ("utf-16", "utf-16"), ("utf-32", "utf-32"),  # with a byte-order mark
    ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"),
    ("utf-32-le", "utf-32-le"), ("utf-32-be", "utf-32-be"),
])
def test_utf16_and_utf32_with_and_without_bom_are_read(encoding, detected):
    data = CSV.encode(encoding)
    assert detect_encoding(data) == detected
    frame = read_table(data)
    assert list(frame.columns) == ["label", "score", "race"]
    assert frame["race"].tolist() == ["Afro-Américain", "Caucasian", "Caucasian"]
    assert frame["score"].tolist() == [0.9, 0.2, 0.4]


def test_utf16_semicolons_and_a_utf16_bom_only_file():
    frame = read_table(CSV.replace(",", ";").encode("utf-16"))
    assert frame.shape == (3, 3)
    assert_contains(input_error(read_table, "\ufeff".encode("utf-16")), "The file is empty")


# -- duplicate column names --------------------------------------------------------------------
def test_duplicate_names_with_other_values_are_refused_from_the_raw_header():
    msg = input_error(read_table, b"label,score,race,race\n1,0.5,a,b\n0,0.1,a,a\n")
    assert_contains(msg, "duplicate column names", "'race' (columns 3, 4)", "Rename")


def test_an_exact_copy_of_a_column_is_read_as_pandas_names_it():
    # The raw ProPublica file repeats decile_score and priors_count with equal values; the
    # screening then leaves the copies out as duplicates.
    frame = read_table(b"label,score,race,race\n1,0.5,a,a\n0,0.1,b,b\n")
    assert list(frame.columns) == ["label", "score", "race", "race.1"]


def test_duplicate_names_in_parquet():
    same = pa.table([pa.array([1, 0]), pa.array([0.5, 0.1]), pa.array(["a", "b"]),
                     pa.array(["a", "b"])], names=["label", "score", "race", "race"])
    assert list(read_table(_parquet(same)).columns) == ["label", "score", "race", "race.1"]
    other = same.set_column(3, "race", pa.array(["b", "b"]))
    msg = input_error(read_table, _parquet(other))
    assert_contains(msg, "duplicate column names", "'race' (columns 3, 4)")


# -- nested Parquet --------------------------------------------------------------------------
def test_nested_parquet_columns_are_an_input_error_naming_them():
    table = pa.table({"label": [1, 0], "score": [0.5, 0.1],
                      "where": pa.array([{"city": "x"}, {"city": "y"}]),
                      "tags": pa.array([[1, 2], [3]])})
    msg = input_error(read_table, _parquet(table))
    assert_contains(msg, "'where', 'tags'", "nested", "list", "struct", "Flatten")


# -- columns -----------------------------------------------------------------------------------
def test_twenty_thousand_columns_are_refused_at_once(tmp_path):
    path = _bombs.wide_csv(tmp_path)
    start = time.perf_counter()
    msg = input_error(read_table, path)
    assert time.perf_counter() - start < 5
    assert_contains(msg, "20,000 columns", "limit of 2,000", "FAIRLENS_MAX_COLUMNS")


def test_the_column_limit_can_be_raised(tmp_path, monkeypatch):
    monkeypatch.setenv(_load.MAX_COLUMNS_ENV, "30000")
    start = time.perf_counter()
    frame = read_table(_bombs.wide_csv(tmp_path))
    assert frame.shape == (2, 20_000)
    assert time.perf_counter() - start < 20  # the duplicate check is linear


def test_duplicate_check_is_linear():
    names = [f"c{i}" for i in range(50_000)] + ["c7"]
    start = time.perf_counter()
    assert _load.duplicate_names(names) == ["c7"]
    assert time.perf_counter() - start < 3  # the old list.count check: about 10^9 steps


# -- rows ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return _bombs.shared(tmp_path_factory, _bombs.parquet_bomb)


def test_parquet_bomb_refused_from_its_metadata(bomb):
    assert bomb.stat().st_size < 2**20
    start = time.perf_counter()
    msg = input_error(read_table, bomb)
    assert time.perf_counter() - start < 5
    assert_contains(msg, "40,000,000 rows", "limit of 20,000,000 rows", "--engine duckdb",
                    "FAIRLENS_MAX_ROWS")
    assert_contains(input_error(read_table, bomb.read_bytes()), "40,000,000 rows")


def test_text_rows_are_estimated_before_reading(monkeypatch):
    monkeypatch.setenv(_load.MAX_ROWS_ENV, "10000")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"label": rng.integers(0, 2, 30_000), "score": rng.random(30_000),
                          "race": rng.choice(["a", "b"], 30_000)})
    data = frame.to_csv(index=False).encode()
    msg = input_error(read_table, data)
    assert_contains(msg, "about", "limit of 10,000 rows", "FAIRLENS_MAX_ROWS")
    estimate = int(msg.split("about ")[1].split(" rows")[0].replace(",", ""))
    assert 25_000 < estimate < 35_000
    assert len(read_table(data[:60_000].rsplit(b"\n", 1)[0])) < 10_000  # a small file reads


def test_memory_estimate_refuses_wide_long_files(monkeypatch):
    monkeypatch.setenv(_load.MAX_MEMORY_MB_ENV, "1")
    table = pa.table({f"c{i}": np.zeros(20_000) for i in range(10)})
    msg = input_error(read_table, _parquet(table))
    assert_contains(msg, "20,000 rows (about 2 MB once read into memory)", "and 1 MB")
