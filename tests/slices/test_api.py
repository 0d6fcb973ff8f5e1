"""Public API of fairlens.slices: descriptions, JSON export, error signals, validation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairlens.slices import (
    SCHEMA,
    bin_features,
    describe_conditions,
    error_signal,
    find_slices,
    readable_edges,
    slice_mask,
)


@pytest.fixture(scope="module")
def result(planted):
    return find_slices(planted.frame, features=planted.features, label="label", pred="pred",
                       sensitive=["group", "sex"], top_k=5)


def test_readable_edges_are_round_quantiles():
    x = np.arange(18, 91, dtype=float).repeat(3)
    edges = readable_edges(x, 4)
    assert len(edges) == 3
    assert all(float(e).is_integer() and e % 5 == 0 for e in edges)
    assert np.all(np.diff(edges) > 0)


def test_description_json_and_mask_agree(planted, result):
    data = json.loads(result.to_json())
    assert data["schema"] == SCHEMA == "fairlens.slices/1"
    assert len(data["slices"]) == len(result.slices) <= 5
    ops = {"==", "in", "<", "<=", ">", ">=", "between"}
    for s, js in zip(result.slices, data["slices"], strict=True):
        assert {c["op"] for c in js["conditions"]} <= ops
        mask = slice_mask(planted.frame, js["conditions"])
        assert mask.sum() == s.n == js["n"]
        wrong = (planted.frame["pred"] != planted.frame["label"]).to_numpy()
        assert wrong[mask].mean() == pytest.approx(s.error_rate)
        assert s.ci[0] <= s.error_rate <= s.ci[1]
        assert s.lift == pytest.approx(s.error_rate / wrong.mean())
        assert s.description.startswith(describe_conditions(s.conditions) + ":")
        assert f"{s.n:,} rows" in s.description
        for attr in ("group", "sex"):
            shares = s.composition[attr]
            assert sum(shares.values()) == pytest.approx(1.0)
            counts = planted.frame.loc[mask, attr].value_counts(normalize=True)
            for value, share in counts.items():
                assert shares[value] == pytest.approx(share)
    frame = result.to_frame()
    assert list(frame["n"]) == [s.n for s in result.slices]
    assert list(frame["score"]) == sorted(frame["score"], reverse=True)


def test_planted_description_in_words(planted, result):
    texts = [s.description for s in result.slices[:3]]
    assert any("age under 25" in t and "region is north" in t for t in texts)
    assert "error rate" in texts[0] and "overall" in texts[0]


def test_describe_conditions_words():
    text = describe_conditions([
        {"feature": "age", "op": "<", "value": 25},
        {"feature": "priors_count", "op": ">=", "value": 3},
        {"feature": "income", "op": "between", "value": [30, 40]},
        {"feature": "region", "op": "==", "value": "north"},
        {"feature": "x", "op": "==", "value": None},
    ])
    assert text == ("age under 25 and priors_count at least 3 and income 30 to under 40 and "
                    "region is north and x is missing")


def test_error_signals():
    frame = pd.DataFrame({"y": [0, 0, 1, 1], "s": [0.2, 0.7, 0.4, 0.9]})
    np.testing.assert_array_equal(error_signal(frame, label="y", score="s"), [0, 1, 1, 0])
    np.testing.assert_array_equal(
        error_signal(frame, label="y", score="s", error="false_positive"), [0, 1, 0, 0])
    np.testing.assert_array_equal(
        error_signal(frame, label="y", score="s", error="false_negative"), [0, 0, 1, 0])
    ll = error_signal(frame, label="y", score="s", error="log_loss")
    np.testing.assert_allclose(ll, -np.log([0.8, 0.3, 0.4, 0.9]))
    np.testing.assert_allclose(error_signal(frame, score="s", error="one_minus"),
                               [0.8, 0.3, 0.6, 0.1])
    with pytest.raises(ValueError, match="error must be one of"):
        error_signal(frame, label="y", score="s", error="bogus")
    with pytest.raises(ValueError, match="needs pred or score"):
        error_signal(frame, label="y")


def test_continuous_loss_finds_planted_slice(planted):
    frame = planted.frame
    rng = np.random.default_rng(0)
    loss = rng.gamma(2.0, 0.1, len(frame)) + np.where(planted.slice_mask, 0.3, 0.0)
    result = find_slices(frame, features=planted.features, errors=loss, top_k=3)
    best = max((slice_mask(frame, s.conditions) & planted.slice_mask).sum()
               / (slice_mask(frame, s.conditions) | planted.slice_mask).sum()
               for s in result.slices)
    assert best >= 0.8
    assert result.slices[0].significant
    assert "mean error" in result.slices[0].description


def test_missing_values_get_their_own_condition():
    rng = np.random.default_rng(1)
    n = 4_000
    x = rng.normal(size=n)
    x[:400] = np.nan
    frame = pd.DataFrame({"x": x, "c": rng.choice(["u", "v"], size=n)})
    errors = rng.random(n) < np.where(np.isnan(x), 0.6, 0.2)
    result = find_slices(frame, features=["x", "c"], errors=errors, top_k=3)
    assert result.slices[0].conditions == [{"feature": "x", "op": "==", "value": None}]
    assert "x is missing" in result.slices[0].description


def test_bin_features_labels(planted):
    binned = bin_features(planted.frame, ["age", "region"])
    assert set(binned["region"]) == {"north", "south", "east", "west"}
    assert "< 25" in set(binned["age"])
    assert (binned["age"] == "< 25").sum() == (planted.frame["age"] < 25).sum()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"max_depth": 0}, "max_depth"),
    ({"alpha": 1.0}, "alpha"),
    ({"top_k": 0}, "top_k"),
    ({"min_support": -3}, "min_support"),
    ({"significance": "none"}, "significance"),
    ({"n_bins": 1}, "n_bins"),
    ({"features": ["nope"]}, "not in the data"),
])
def test_bad_arguments_raise_clear_errors(planted, kwargs, match):
    args = {"features": planted.features, "label": "label", "pred": "pred", **kwargs}
    with pytest.raises(ValueError, match=match):
        find_slices(planted.frame, **args)


def test_no_errors_is_an_error(planted):
    with pytest.raises(ValueError, match="zero on every row"):
        find_slices(planted.frame, features=planted.features, errors=np.zeros(len(planted.frame)))


def test_condition_that_keeps_every_row_is_collapsed():
    rng = np.random.default_rng(3)
    n = 4_000
    frame = pd.DataFrame({"age": rng.integers(18, 70, n),
                          "count": np.where(rng.random(n) < 0.9, 0, rng.integers(1, 20, n)),
                          "c": rng.choice(["u", "v"], n)})
    errors = rng.random(n) < np.where(frame["age"] < 30, 0.5, 0.2)
    result = find_slices(frame, features=["age", "count", "c"], errors=errors, top_k=5)
    masks = [slice_mask(frame, s.conditions) for s in result.slices]
    for i in range(len(masks)):
        for j in range(i):
            assert not np.array_equal(masks[i], masks[j])
    binned = bin_features(frame, ["count"])
    assert set(binned["count"]) == {"< 1", ">= 1"}
