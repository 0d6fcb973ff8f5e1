"""Every documented validation error, triggered through the public API, and the file formats.

The messages live in ``fairlens/data/_errors.py``; each must name the offending column (or file
problem) and say what to do. Tests assert on those parts of the wording, not on whole sentences.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens import FairLensInputError, read_table
from fairlens.data import MISSING_GROUP


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _frame(n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({
        "y": y,
        "score": np.round(np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1), 3),
        "race": rng.choice(["Black", "White", "Asian"], n),
        "sex": rng.choice(["F", "M"], n),
        "w": rng.uniform(0.5, 2.0, n),
    })


def _audit(frame, **kw):
    opts = {"label": "y", "score": "score", "sensitive": ["race", "sex"], "bootstrap": 0}
    opts.update(kw)
    return fairlens.audit(frame, **opts)


def _error(fn, *args, **kw) -> str:
    with pytest.raises(FairLensInputError) as info:
        fn(*args, **kw)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def _contains(message: str, *parts: str) -> None:
    for part in parts:
        assert part.lower() in message.lower(), f"{part!r} not in {message!r}"


# --- column mapping --------------------------------------------------------------------------


def test_missing_columns_named_with_the_available_ones():
    msg = _error(_audit, _frame(), score="proba", sensitive=["race", "gender"])
    _contains(msg, "'proba'", "'gender'", "not found", "Available columns", "'score'", "'sex'")
    assert "'race'" not in msg.split("not found")[0]


def test_missing_label_column():
    msg = _error(_audit, _frame(), label="target")
    _contains(msg, "'target'", "not found", "'y'")


def test_no_label_given():
    msg = _error(fairlens.audit, _frame(), score="score", sensitive="race", bootstrap=0)
    _contains(msg, "label", "--label")


def test_no_prediction_given():
    msg = _error(fairlens.audit, _frame(), label="y", sensitive="race", bootstrap=0)
    _contains(msg, "No prediction", "score=", "pred=", "proba_prefix=", "metric=")


def test_too_many_prediction_kinds():
    frame = _frame().assign(pred=lambda f: (f["score"] >= 0.5).astype(int))
    msg = _error(_audit, frame, pred="pred")
    _contains(msg, "score", "pred", "only one kind")


def test_no_sensitive_attribute():
    msg = _error(_audit, _frame(), sensitive=[])
    _contains(msg, "No sensitive attribute", "--sensitive")


def test_sensitive_attribute_is_the_label():
    msg = _error(_audit, _frame(), sensitive=["race", "y"])
    _contains(msg, "'y'", "both as a sensitive attribute and as the label", "different columns")


# --- scores ----------------------------------------------------------------------------------


def test_non_numeric_score():
    frame = _frame().astype({"score": object})
    frame.loc[7, "score"] = "high"
    msg = _error(_audit, frame)
    _contains(msg, "'score'", "not numeric", "'high'", "between 0 and 1")


def test_missing_score_values():
    frame = _frame()
    frame.loc[[3, 9], "score"] = np.nan
    msg = _error(_audit, frame)
    _contains(msg, "'score'", "2 missing value(s)", "row 3", "Fill or remove")


def test_infinite_score():
    frame = _frame()
    frame.loc[4, "score"] = np.inf
    msg = _error(_audit, frame)
    _contains(msg, "'score'", "infinite")


@pytest.mark.parametrize(("bad", "shown"), [(1.5, "max 1.5"), (-0.2, "min -0.2"),
                                            (1 + 2e-4, "max 1.0002"), (-2e-4, "min -0.0002")])
def test_score_out_of_range_beyond_tolerance(bad, shown):
    frame = _frame()
    frame.loc[5, "score"] = bad
    msg = _error(_audit, frame)
    _contains(msg, "'score'", "outside [0, 1]", shown, "sigmoid", "--pred")


def test_logits_need_raw_score_kind():
    frame = _frame().assign(score=lambda f: f["score"] * 10 - 5)
    _error(_audit, frame)
    result = _audit(frame, score_kind="raw", threshold=0.0)
    assert result.overall["n"] == len(frame)
    assert "brier" not in result.overall


@pytest.mark.parametrize("bad", [1 + 5e-5, -5e-5, 1 + 1e-4, -1e-4])
def test_score_within_tolerance_is_clipped_with_a_warning(bad):
    frame = _frame()
    frame.loc[[5, 6], "score"] = bad
    result = _audit(frame)
    clipped = [w for w in result.warnings if "clipped" in w]
    assert len(clipped) == 1
    _contains(clipped[0], "2 score(s)", "'score'", "outside [0, 1]")
    # The audit is the audit of the clipped scores.
    reference = _audit(frame.assign(score=frame["score"].clip(0, 1)))
    expected = reference.to_dict()
    got = result.to_dict()
    for key in ("overall", "groups", "disparities", "equity_scaled"):
        assert got[key] == expected[key]


# --- labels ----------------------------------------------------------------------------------


def test_label_with_three_values():
    frame = _frame()
    frame.loc[0, "y"] = 2
    msg = _error(_audit, frame)
    _contains(msg, "'y'", "3 distinct values", "0, 1, 2", "exactly two", "--proba-prefix",
              "recode")


def test_label_with_missing_values():
    frame = _frame().astype({"y": float})
    frame.loc[[1, 2, 3], "y"] = np.nan
    msg = _error(_audit, frame)
    _contains(msg, "'y'", "3 missing value(s)", "Remove or fill")


def test_label_with_one_value_is_a_warning():
    frame = _frame().assign(y=1)
    result = _audit(frame)
    (warning,) = [w for w in result.warnings if "only one value" in w]
    _contains(warning, "'y'", "TPR and FPR need both classes", "null")
    assert result.overall["base_rate"] == 1.0
    assert np.isnan(result.overall["fpr"])


def test_label_with_only_negatives():
    # Regression: max(values) made 0 the positive label when 0 was the only value.
    frame = _frame().assign(y=0)
    result = _audit(frame)
    assert any("only one value" in w for w in result.warnings)
    assert result.overall["base_rate"] == 0.0
    assert np.isnan(result.overall["tpr"])


def test_positive_label_absent():
    msg = _error(_audit, _frame(), positive_label="yes")
    _contains(msg, "'yes'", "'y'", "does not occur", "--positive-label")


def test_string_labels_infer_the_positive_word():
    frame = _frame().assign(y=lambda f: np.where(f["y"] == 1, "yes", "no"))
    result = _audit(frame)
    assert result.statistics.classes == ["no", "yes"]
    ambiguous = frame.assign(y=lambda f: np.where(f["y"] == "yes", "cat", "dog"))
    result = _audit(ambiguous)
    assert any("Positive label assumed" in w and "positive_label" in w for w in result.warnings)


def test_predicted_labels_with_other_values():
    frame = _frame().assign(pred=lambda f: (f["score"] >= 0.5).astype(int))
    frame.loc[3, "pred"] = 7
    msg = _error(fairlens.audit, frame, label="y", pred="pred", sensitive="race", bootstrap=0)
    _contains(msg, "'pred'", "7", "same coding as the label")


# --- multiclass ------------------------------------------------------------------------------


def _multiclass(n: int = 90, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet([2, 2, 2], n)
    return pd.DataFrame({"y": rng.integers(0, 3, n), "p_0": proba[:, 0], "p_1": proba[:, 1],
                         "p_2": proba[:, 2], "race": rng.choice(["a", "b"], n)})


def _audit_mc(frame, **kw):
    return fairlens.audit(frame, label="y", proba_prefix="p_", sensitive="race", bootstrap=0,
                          **kw)


def test_multiclass_probabilities_slightly_off_are_renormalised():
    exact = _multiclass()
    off = exact.assign(**{c: exact[c] * (1 + 1e-5) for c in ("p_0", "p_1", "p_2")})
    result = _audit_mc(off)
    (warning,) = [w for w in result.warnings if "renormalised" in w]
    _contains(warning, "'p_'")
    expected = _audit_mc(exact).to_dict()
    got = result.to_dict()
    assert got["overall"].keys() == expected["overall"].keys()
    for m, v in expected["overall"].items():
        assert got["overall"][m] == pytest.approx(v, abs=1e-12), m
    for a, b in zip(got["groups"], expected["groups"], strict=True):
        for m in ("accuracy", "auc", "balanced_accuracy"):
            assert a[m] == pytest.approx(b[m], abs=1e-12)
    assert not any("renormalised" in w for w in _audit_mc(exact).warnings)


def test_multiclass_probabilities_that_are_garbage():
    frame = _multiclass()
    frame["p_2"] = frame["p_2"] * 0.2
    msg = _error(_audit_mc, frame)
    _contains(msg, "'p_'", "do not sum to 1", "softmax")


def test_multiclass_probabilities_out_of_range():
    frame = _multiclass()
    frame.loc[0, "p_0"] = 1.3
    msg = _error(_audit_mc, frame)
    _contains(msg, "outside [0, 1]", "p_")


def test_multiclass_label_not_a_class():
    frame = _multiclass().astype({"y": object})
    frame.loc[2, "y"] = "dog"
    msg = _error(_audit_mc, frame)
    _contains(msg, "'y'", "'dog'", "match no probability column", "<prefix><class>")


def test_multiclass_prefix_matches_nothing():
    msg = _error(fairlens.audit, _multiclass(), label="y", proba_prefix="prob_",
                 sensitive="race", bootstrap=0)
    _contains(msg, "'prob_'", "No columns start with", "'p_0'")


def test_per_sample_metric_not_numeric():
    frame = _frame().assign(dice=lambda f: f["score"].astype(str))
    frame.loc[2, "dice"] = "n/a"
    msg = _error(fairlens.audit, frame, metric="dice", sensitive="race", bootstrap=0)
    _contains(msg, "'dice'", "not numeric", "'n/a'")


# --- sensitive attributes --------------------------------------------------------------------


def test_all_empty_sensitive_column_from_a_file():
    text = "y,score,race,sex\n" + "".join(
        f"{i % 2},{(i % 10) / 10},,{'FM'[i % 2]}\n" for i in range(40))
    frame = read_table(text.encode())
    assert frame["race"].isna().all()
    msg = _error(_audit, frame)
    _contains(msg, "'race'", "empty in every row", "Choose another column or fill it in")
    msg = _error(_audit, text.encode())
    _contains(msg, "'race'", "empty in every row")


def test_missing_sensitive_values_form_an_explicit_group():
    frame = _frame(n=120)
    frame.loc[frame.index[:17], "race"] = None
    frame.loc[frame.index[10:14], "sex"] = np.nan
    result = _audit(frame, min_group_size=0)
    warned = [w for w in result.warnings if MISSING_GROUP in w]
    assert any("17 row(s)" in w and "'race'" in w for w in warned)
    assert any("4 row(s)" in w and "'sex'" in w for w in warned)
    by = result.by_group
    race = by[by["grouping"] == "race"].set_index("group")
    assert race.loc[MISSING_GROUP, "n"] == 17
    assert race["n"].sum() == len(frame)
    sex = by[by["grouping"] == "sex"].set_index("group")
    assert sex.loc[MISSING_GROUP, "n"] == 4
    inter = by[by["grouping"] == "race x sex"]
    assert inter["n"].sum() == len(frame)
    assert f"{MISSING_GROUP} x {MISSING_GROUP}" in set(inter["group"])
    # The missing group's metrics are those of its rows; nothing was dropped from the overall.
    rows = frame[frame["race"].isna()]
    assert race.loc[MISSING_GROUP, "selection_rate"] == pytest.approx(
        (rows["score"] >= 0.5).mean())
    assert result.overall["n"] == len(frame)
    assert result.overall["selection_rate"] == pytest.approx((frame["score"] >= 0.5).mean())


def test_missing_group_in_to_dict_and_small_flag():
    frame = _frame(n=120)
    frame.loc[frame.index[:5], "race"] = None
    doc = _audit(frame, min_group_size=30).to_dict()
    (entry,) = [g for g in doc["groups"]
                if g["grouping"] == "race" and g["attributes"]["race"] == MISSING_GROUP]
    assert entry["n"] == 5 and entry["small"] is True


def test_numeric_attribute_with_many_values_is_binned_with_a_warning():
    frame = _frame(n=200).assign(age=lambda f: np.arange(len(f)) % 70 + 18)
    result = _audit(frame, sensitive="age")
    assert any("'age'" in w and "quantile bins" in w for w in result.warnings)
    groups = result.by_group["group"].tolist()
    assert 2 <= len(groups) <= 4
    assert result.by_group["n"].sum() == len(frame)


# --- options ---------------------------------------------------------------------------------


def test_reference_group_not_found():
    msg = _error(_audit, _frame(), reference="Martian")
    _contains(msg, "'Martian'", "does not occur", "Black", "White", "largest group")


def test_reference_group_not_found_in_the_named_grouping():
    msg = _error(_audit, _frame(), reference={"race": "F"})
    _contains(msg, "'F'", "'race'", "Asian", "Pick one of the listed groups")


def test_reference_for_unknown_grouping():
    msg = _error(_audit, _frame(), reference={"religion": "x"})
    _contains(msg, "religion", "race")


def test_reference_group_is_used():
    result = _audit(_frame(), reference={"race": "Asian"})
    by = result.by_group
    ref = by[(by["grouping"] == "race") & by["reference"]]
    assert ref["group"].tolist() == ["Asian"]


def test_negative_weights():
    frame = _frame()
    frame.loc[3, "w"] = -1.0
    msg = _error(_audit, frame, weight="w")
    _contains(msg, "'w'", "non-negative", "negative values")


@pytest.mark.parametrize(("value", "problem"), [("heavy", "non-numeric"), (np.nan, "missing"),
                                                (np.inf, "infinite values")])
def test_invalid_weights(value, problem):
    frame = _frame().astype({"w": object})
    frame.loc[3, "w"] = value
    msg = _error(_audit, frame, weight="w")
    _contains(msg, "'w'", "numeric, finite and non-negative", problem)


def test_all_zero_weights():
    msg = _error(_audit, _frame().assign(w=0.0), weight="w")
    _contains(msg, "'w'", "all zero")


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_threshold_out_of_range(threshold):
    msg = _error(_audit, _frame(), threshold=threshold)
    _contains(msg, "Threshold", "between 0 and 1", repr(threshold))


@pytest.mark.parametrize("bootstrap", [1, 49, -5])
def test_bootstrap_too_small(bootstrap):
    msg = _error(_audit, _frame(), bootstrap=bootstrap)
    _contains(msg, "bootstrap", "at least 50", repr(bootstrap))


def test_negative_min_group_size():
    msg = _error(_audit, _frame(), min_group_size=-1)
    _contains(msg, "min_group_size", "non-negative", "-1")


def test_empty_frame():
    msg = _error(_audit, _frame().iloc[:0])
    _contains(msg, "No rows are left")


# --- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file(data):
    msg = _error(read_table, data)
    _contains(msg, "The file is empty", "CSV, TSV or Parquet", "header row")
    _error(_audit, data)


@pytest.mark.parametrize("data", [b"y,score,race\n", b"y,score,race", b"y;score;race\r\n\r\n"])
def test_header_only_file(data):
    msg = _error(read_table, data)
    _contains(msg, "header but no data rows", "Add rows")


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 4,
    b"\x89PNG\r\n\x1a\n" + bytes(200),
    b"PK\x03\x04" + bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8)),
    b"PAR1" + b"\x00\x15\x04" * 50,  # Parquet magic, truncated body
    b"\x1f\x8b\x08\x00" + bytes(100),  # gzip
])
def test_binary_junk(data):
    msg = _error(read_table, data)
    _contains(msg, "Could not read the file as a table", "CSV, TSV and Parquet")


def test_duplicate_column_names():
    msg = _error(read_table, b"y,score,race ,race\n1,0.5,a,b\n")
    _contains(msg, "duplicate column names", "'race'", "Rename")


def test_file_too_large():
    data = b"y,score,race\n" + b"1,0.5,a\n" * 20_000
    msg = _error(read_table, data, max_bytes=2**16)
    _contains(msg, "above the limit", "MB")
    assert len(read_table(data, max_bytes=2**20)) == 20_000


def test_unsupported_format():
    msg = _error(read_table, b"a,b\n1,2\n", fmt="xlsx")
    _contains(msg, "'xlsx'", "csv, tsv, parquet")


def test_missing_path_and_folder(tmp_path):
    msg = _error(read_table, tmp_path / "nope.csv")
    _contains(msg, "not found", "nope.csv")
    msg = _error(read_table, tmp_path)
    _contains(msg, "folder")


def test_text_with_encoding_errors_forced_utf8():
    msg = _error(read_table, "a,b\nJos\xe9,1\n".encode("latin-1") * 3, encoding="utf-8")
    _contains(msg, "Could not read the file as a table", "encoding")


# --- formats ---------------------------------------------------------------------------------

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
    frame = _frame(n=60)
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
    frame = _frame(n=60)
    csv = frame.to_csv(index=False).encode()
    tsv = frame.to_csv(index=False, sep="\t").encode()
    semi = frame.to_csv(index=False, sep=";").encode("latin-1")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    docs = [_audit(data).to_dict() for data in (csv, tsv, semi, buffer.getvalue())]
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

