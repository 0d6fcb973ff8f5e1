"""The one feature encoder: every kind of column a real export holds, without a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from fairlens.data import FairLensInputError
from fairlens.data._features import (
    MAX_CATEGORIES,
    FeatureEncoder,
    column_kind,
    encoder_notes,
)

N = 300


def awkward_frame(n: int = N, seed: int = 0) -> pd.DataFrame:
    """One column of every awkward kind (and an honest number)."""
    rng = np.random.default_rng(seed)
    mixed = rng.integers(0, 5, n).astype(object)
    mixed[::7] = "unknown"
    return pd.DataFrame({
        "x": rng.normal(size=n),
        "empty": np.full(n, np.nan),
        "empty_text": pd.Series([None] * n, dtype=object),
        "constant": np.ones(n),
        "constant_text": ["Broward"] * n,
        "one_value_and_missing": np.where(rng.random(n) < 0.5, 1.0, np.nan),
        "mixed": mixed,
        "flag": rng.random(n) < 0.3,
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
        "stamp": pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
        "date_text": (pd.Timestamp("2014-01-01")
                      + pd.to_timedelta(rng.integers(0, 700, n), "D")).strftime("%Y-%m-%d"),
        "city": [f"City {i}" for i in rng.zipf(1.3, n) % 5000],
        "case": [f"13{i:06d}CF10A" for i in range(n)],
        7: rng.integers(0, 3, n),
    })


def test_each_kind_of_column_is_read_and_the_useless_ones_are_named():
    frame = awkward_frame()
    enc = FeatureEncoder("onehot").fit(frame)
    assert enc.dropped_ == {"empty": "empty", "empty_text": "empty", "constant": "constant",
                            "constant_text": "constant", "case": "unique"}
    kinds = {p.label: p.kind for p in enc.plans_}
    assert kinds == {"x": "numeric", "one_value_and_missing": "numeric", "mixed": "categorical",
                     "flag": "numeric", "colour": "categorical", "stamp": "date",
                     "date_text": "date", "city": "categorical", "7": "numeric"}
    left_out = enc.notes_[0]
    assert left_out.startswith("Left out of the model because they carry no information: ")
    for name in ("empty", "empty_text", "constant", "constant_text", "case"):
        assert name in left_out
    assert "[" not in left_out and "None" not in left_out
    assert "stamp and date_text are read as dates" in enc.notes_[1]
    x = enc.transform(frame)
    assert x.shape[0] == N and np.isfinite(x).all()
    assert len(enc.get_feature_names_out()) == x.shape[1]


def test_numbers_in_a_text_column_are_numbers_and_the_text_among_them_is_missing():
    values = pd.Series(["1", "2.5", "3", "x"] + ["4"] * 96, dtype=object)
    assert column_kind(values) == "numeric"
    enc = FeatureEncoder("ordinal").fit(values.to_frame("v"))
    out = enc.transform(values.to_frame("v"))["v"].to_numpy()
    assert out[:3].tolist() == [1.0, 2.5, 3.0] and np.isnan(out[3])


def test_a_huge_categorical_keeps_its_common_values_and_one_other_level():
    rng = np.random.default_rng(1)
    city = pd.Series([f"c{i}" for i in rng.zipf(1.2, 5000) % 3000])
    enc = FeatureEncoder("onehot").fit(city.to_frame("city"))
    plan = enc.plans_[0]
    assert plan.other and len(plan.levels) <= MAX_CATEGORIES - 1
    counts = city.value_counts()
    assert plan.levels == [str(v) for v in counts.index[:len(plan.levels)]]
    assert (counts.loc[plan.levels] >= 5).all()
    x = enc.transform(city.to_frame("city"))
    assert x.shape == (5000, len(plan.levels) + 1)
    np.testing.assert_array_equal(x.sum(axis=1), 1.0)  # one level per row, "other" included


def test_unseen_and_missing_values_at_transform_time():
    fit = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10 + ["rare"], "x": np.arange(21.0)})
    enc = FeatureEncoder("onehot", scale=False).fit(fit)
    new = pd.DataFrame({"g": ["a", "never seen", None], "x": [1.0, np.nan, 3.0]})
    x = enc.transform(new)
    names = list(enc.get_feature_names_out())
    # no column for missing values that fitting never saw: a missing x is the median
    assert names == ["g = a", "g = b", "g = other", "x"]
    np.testing.assert_array_equal(x, [[1, 0, 0, 1], [0, 0, 1, 10], [0, 0, 0, 3]])
    with_gaps = FeatureEncoder("onehot", scale=False).fit(fit.assign(x=fit["x"].where(
        fit["x"] > 0)))
    assert list(with_gaps.get_feature_names_out())[-2:] == ["x", "x (missing)"]
    np.testing.assert_array_equal(with_gaps.transform(new)[:, -2:], [[1, 0], [10.5, 1], [3, 0]])
    ordinal = FeatureEncoder("ordinal").fit(fit).transform(new)
    assert ordinal["g"].cat.codes.tolist() == [0, 2, -1]


def test_codes_keep_one_column_per_feature_in_order():
    frame = awkward_frame()
    enc = FeatureEncoder("codes").fit(frame)
    x = enc.transform(frame)
    assert x.shape == (N, frame.shape[1])
    assert list(enc.get_feature_names_out()) == [str(c) for c in frame.columns]
    assert (x[:, list(frame.columns).index("empty")] == 0).all()


def test_the_boosting_crash_of_an_all_empty_column_cannot_happen():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=200), "violent_recid": np.full(200, np.nan)})
    y = (frame["x"] > 0).astype(int).to_numpy()
    with pytest.raises(ValueError, match="window shape"):
        HistGradientBoostingClassifier(max_iter=5).fit(frame, y)  # scikit-learn's own crash
    pipe = Pipeline([("encode", FeatureEncoder("ordinal")),
                     ("model", HistGradientBoostingClassifier(max_iter=5))]).fit(frame, y)
    assert pipe.predict_proba(frame).shape == (200, 2)
    assert "violent_recid is empty" in encoder_notes(pipe)[0]


def test_nothing_informative_is_an_input_error_that_names_the_columns():
    frame = pd.DataFrame({"empty": [np.nan] * 5, "same": ["a"] * 5})
    with pytest.raises(FairLensInputError, match="empty is empty; same has a single value"):
        FeatureEncoder().fit(frame)
    with pytest.raises(FairLensInputError, match="more than once"):
        FeatureEncoder().fit(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_an_empty_frame_is_an_input_error():
    with pytest.raises(FairLensInputError):
        FeatureEncoder().fit(pd.DataFrame({"a": pd.Series([], dtype=float)}))


_cell = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from(["a", "b", "2013-01-01", "3", ""]), st.booleans())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=25))
def test_any_frame_encodes_or_says_why_not(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", 0])
    for output in ("onehot", "ordinal", "codes"):
        try:
            enc = FeatureEncoder(output).fit(frame)
        except FairLensInputError as exc:
            assert "carries any information" in str(exc)
            continue
        out = enc.transform(frame)
        assert len(out) == len(frame)
        if output != "ordinal":
            assert np.isfinite(out).all() or output == "codes"
