"""Built-in samples: the COMPAS copy matches its source; generated data carry their truth."""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

import fairlens
from fairlens.datasets import (
    COMPAS_AUDIT,
    SAMPLES,
    SEGMENTATION_AUDIT,
    PlantedData,
    load_compas,
    load_segmentation,
    make_planted,
)

ROOT = Path(__file__).resolve().parents[2]
COMPAS_SOURCE = Path("compas") / "compas-scores-two-years.csv"
COMPAS_COLUMNS = [
    "id", "sex", "age", "age_cat", "race", "priors_count", "juv_fel_count", "juv_misd_count",
    "c_charge_degree", "decile_score", "score_text", "two_year_recid",
]
FAST = dict(bootstrap=0, ci="wilson")


def shared_data_dir() -> Path:
    """``../shared/data`` from the project root; skip when absent, fail when it is required.

    With ``FAIRLENS_REQUIRE_SHARED=1`` (set by ``.ci/run``) a missing folder is a failure, not a
    skip, so CI cannot pass without running these tests.
    """
    path = ROOT.parent / "shared" / "data"
    if not path.is_dir():
        reason = f"shared test data not found at {path} (see ../shared/data/README.md)"
        if os.environ.get("FAIRLENS_REQUIRE_SHARED") == "1":
            pytest.fail(f"FAIRLENS_REQUIRE_SHARED=1 but {reason}")
        pytest.skip(reason)
    return path


def _groups(result: fairlens.Audit, grouping: str) -> pd.DataFrame:
    bg = result.by_group
    return bg[bg["grouping"] == grouping].set_index("group")


def _load_make_compas() -> ModuleType:
    # The script imports its neighbour assets/_sample_file.py, as it does when run directly.
    if str(ROOT / "assets") not in sys.path:
        sys.path.insert(0, str(ROOT / "assets"))
    spec = importlib.util.spec_from_file_location("make_compas", ROOT / "assets" / "make_compas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- COMPAS ---------------------------------------------------------------------------------


def test_compas_shape_columns_and_score():
    df = load_compas()
    assert df.shape == (7214, 14)
    assert list(df.columns) == [*COMPAS_COLUMNS, "score", "compas_screening_date"]
    assert df["id"].is_unique
    assert df.notna().all().all()
    assert set(df["decile_score"]) == set(range(1, 11))
    assert set(df["two_year_recid"]) == {0, 1}
    np.testing.assert_array_equal(df["score"].to_numpy(), df["decile_score"].to_numpy() / 10)
    # threshold 0.5 on the rescaled score is ProPublica's "medium or high risk"
    medium_or_high = df["score_text"].isin(["Medium", "High"]).to_numpy()
    np.testing.assert_array_equal(df["score"].to_numpy() >= COMPAS_AUDIT["threshold"],
                                  medium_or_high)
    np.testing.assert_array_equal(df["decile_score"].to_numpy() >= 5, medium_or_high)


def test_compas_asset_is_small_package_data():
    asset = resources.files("fairlens.datasets") / "data" / "compas.csv.gz"
    assert asset.is_file()
    size = len(asset.read_bytes())
    assert size < 300_000, f"the compas asset is {size:,} bytes; keep package data small"


def test_compas_counts_and_base_rates_match_shared_file():
    source = pd.read_csv(shared_data_dir() / COMPAS_SOURCE)
    df = load_compas()
    assert len(df) == len(source) == 7214
    pd.testing.assert_series_equal(df["race"].value_counts().sort_index(),
                                   source["race"].value_counts().sort_index(),
                                   check_dtype=False)
    assert df["race"].value_counts().to_dict() == {
        "African-American": 3696, "Caucasian": 2454, "Hispanic": 637, "Other": 377,
        "Asian": 32, "Native American": 18,
    }
    pd.testing.assert_series_equal(df.groupby("race")["two_year_recid"].mean(),
                                   source.groupby("race")["two_year_recid"].mean(),
                                   check_exact=True)
    assert df["two_year_recid"].mean() == source["two_year_recid"].mean()
    # and the whole derived copy, value for value
    for col in COMPAS_COLUMNS:
        np.testing.assert_array_equal(df[col].to_numpy(), source[col].to_numpy(), err_msg=col)
    # the time column: every one of the 7,214 rows has its screening date, joined on id
    joined = df[["id", "compas_screening_date"]].merge(
        source[["id", "compas_screening_date"]], on="id", how="inner", suffixes=("", "_raw"),
        validate="one_to_one")
    assert len(joined) == 7214
    assert (joined["compas_screening_date"]
            == pd.to_datetime(joined["compas_screening_date_raw"])).all()
    assert df["compas_screening_date"].min() == pd.Timestamp("2013-01-01")
    assert df["compas_screening_date"].max() == pd.Timestamp("2014-12-31")
    assert COMPAS_AUDIT["time"] == "compas_screening_date"
    assert COMPAS_AUDIT["favorable"] == "negative"


def test_compas_asset_is_reproducible_from_source(tmp_path):
    source = shared_data_dir() / COMPAS_SOURCE
    make = _load_make_compas()
    out = tmp_path / "compas.csv.gz"
    make.write(make.derive(source), out)
    shipped = (resources.files("fairlens.datasets") / "data" / "compas.csv.gz").read_bytes()
    assert out.read_bytes() == shipped, "rerun assets/make_compas.py: the asset is out of date"


def test_compas_audit_matches_direct_computation():
    df = load_compas()
    result = fairlens.audit(df, **COMPAS_AUDIT, **FAST)
    race = _groups(result, "race")
    y = df["two_year_recid"].to_numpy()
    yhat = df["decile_score"].to_numpy() >= 5
    for name, rows in df.groupby("race").indices.items():
        assert race.loc[name, "n"] == len(rows)
        assert race.loc[name, "base_rate"] == pytest.approx(y[rows].mean(), abs=1e-12)
        assert race.loc[name, "selection_rate"] == pytest.approx(yhat[rows].mean(), abs=1e-12)
        neg = rows[y[rows] == 0]
        assert race.loc[name, "fpr"] == pytest.approx(yhat[neg].mean(), abs=1e-12)
    # ProPublica's finding: Black defendants who did not reoffend were flagged far more often
    assert race.loc["African-American", "fpr"] - race.loc["Caucasian", "fpr"] > 0.15
    assert set(result.by_group["grouping"]) >= {"race", "sex", "age_cat"}


# --- samples registry -----------------------------------------------------------------------


def test_samples_registry():
    assert set(SAMPLES) == {"compas", "segmentation", "adult", "drift"}
    assert SAMPLES["compas"].audit is COMPAS_AUDIT
    assert SAMPLES["segmentation"].audit is SEGMENTATION_AUDIT
    for name, (loader, kwargs, description) in SAMPLES.items():
        assert isinstance(description, str) and description and "\n" not in description, name
        df = loader()
        assert isinstance(df, pd.DataFrame) and len(df) > 1000, name
        named = [kwargs[k] for k in ("label", "score") if k in kwargs]
        named += list(kwargs.get("metric", [])) + list(kwargs["sensitive"])
        assert set(named) <= set(df.columns), name


# --- segmentation ---------------------------------------------------------------------------


def test_segmentation_columns_and_iou_identity():
    df = load_segmentation()
    assert len(df) == 10_000
    assert list(df.columns) == ["image_id", "race", "gender", "ethnicity", "age",
                                "image_quality", "dice", "iou"]
    assert set(df["race"]) == {"Asian", "Black", "White"}
    assert set(df["gender"]) == {"Female", "Male"}
    assert set(df["ethnicity"]) == {"Hispanic", "Non-Hispanic"}
    for col in ("dice", "iou", "image_quality"):
        assert df[col].between(0, 1).all(), col
    dice = df["dice"].to_numpy()
    np.testing.assert_array_equal(df["iou"].to_numpy(), dice / (2 - dice))
    assert df.attrs["planted"]["synthetic"] is True


def test_segmentation_is_deterministic():
    pd.testing.assert_frame_equal(load_segmentation(2000, seed=3), load_segmentation(2000, seed=3))
    other = load_segmentation(2000, seed=4)
    assert not load_segmentation(2000, seed=3)["dice"].equals(other["dice"])
    assert len(load_segmentation(n=500)) == 500


def test_segmentation_planted_gap_recovered_by_audit():
    df = load_segmentation()
    planted = df.attrs["planted"]
    result = fairlens.audit(df, **SEGMENTATION_AUDIT, **FAST)
    race = _groups(result, "race")
    gap = race.loc["White", "dice"] - race.loc["Black", "dice"]
    assert gap == pytest.approx(planted["dice_gap"], abs=0.015)
    assert race.loc["White", "dice"] == pytest.approx(
        planted["expected_dice_by_race"]["White"], abs=0.01)
    assert race.loc["Black", "iou"] < race.loc["White", "iou"]
    # ethnicity carries no planted effect
    eth = _groups(result, "ethnicity")
    assert abs(eth.loc["Hispanic", "dice"] - eth.loc["Non-Hispanic", "dice"]) < 0.015
    # equity scaling penalises the gap
    equity = result.equity.set_index(["grouping", "metric"])
    overall = df["dice"].mean()
    assert equity.loc[("race", "dice"), "overall"] == pytest.approx(overall, abs=1e-12)
    assert equity.loc[("race", "dice"), "es"] < overall - 0.05
    assert equity.loc[("race", "iou"), "es"] < df["iou"].mean()


def test_segmentation_gap_parameter():
    no_gap = load_segmentation(seed=1, dice_gap=0.0)
    means = no_gap.groupby("race")["dice"].mean()
    assert abs(means["White"] - means["Black"]) < 0.015
    with pytest.raises(ValueError, match="dice_gap"):
        load_segmentation(dice_gap=0.9)
    with pytest.raises(ValueError, match="n must be"):
        load_segmentation(n=0)


# --- planted truth --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted() -> PlantedData:
    return make_planted()


def test_planted_frame_and_truth_shapes(planted):
    frame = planted.frame
    assert len(frame) == 20_000
    assert isinstance(frame.index, pd.RangeIndex)
    assert "label_true" not in frame.columns
    assert {*planted.features, "group", "sex", "label", "score", "pred"} == set(frame.columns)
    assert set(frame.select_dtypes("number").columns) >= {"age", "income", "debt_ratio"}
    assert frame["score"].between(0, 1).all()
    np.testing.assert_array_equal(frame["pred"].to_numpy(), frame["score"].to_numpy() >= 0.5)
    sizes = frame["group"].value_counts()
    assert sizes["A"] > sizes["B"] > sizes["C"] > 1000
    kwargs = planted.audit_kwargs
    assert kwargs["label"] == "label" and kwargs["score"] == "score"
    assert kwargs["sensitive"] == ["group", "sex"]
    assert planted.label_true.shape == (len(frame),)
    assert planted.slice_mask.dtype == bool and planted.slice_mask.shape == (len(frame),)


def test_planted_is_deterministic(planted):
    again = make_planted()
    pd.testing.assert_frame_equal(planted.frame, again.frame)
    np.testing.assert_array_equal(planted.flipped, again.flipped)
    np.testing.assert_array_equal(planted.label_true, again.label_true)
    assert planted.summary() == again.summary()
    other = make_planted(seed=1)
    assert not planted.frame["score"].equals(other.frame["score"])


@pytest.mark.parametrize("disparity", [0.0, 0.15, 0.3])
def test_planted_disparity_recovered_by_audit(disparity):
    data = make_planted(10_000, seed=2, disparity=disparity)
    result = fairlens.audit(data.frame, **data.audit_kwargs, **FAST)
    groups = _groups(result, "group")
    measured = groups.loc["A", "selection_rate"] - groups.loc["C", "selection_rate"]
    assert measured == pytest.approx(data.disparity, abs=1e-12)
    assert measured == pytest.approx(disparity, abs=0.01)
    disparities = result.disparities.set_index(["grouping", "measure"])["value"]
    assert disparities[("group", "demographic_parity_difference")] == pytest.approx(
        disparity, abs=0.01)
    # the slice corruption leaves selection rates alone: B keeps A's rate
    assert groups.loc["B", "selection_rate"] == pytest.approx(groups.loc["A", "selection_rate"],
                                                              abs=0.002)
    # sex is a negative control, and the clean base rates do not differ by group
    sex = _groups(result, "sex")
    assert abs(sex.loc["Female", "selection_rate"] - sex.loc["Male", "selection_rate"]) < 0.03
    rates = data.base_rates_true
    assert max(rates.values()) - min(rates.values()) < 0.04


def test_planted_flipped_labels(planted):
    frame = planted.frame
    changed = np.flatnonzero(frame["label"].to_numpy() != planted.label_true)
    np.testing.assert_array_equal(changed, planted.flipped)
    assert len(planted.flipped) == round(0.05 * len(frame))
    assert planted.flipped_mask.sum() == len(planted.flipped)
    group = frame["group"].to_numpy()
    assert planted.noise_group == "B"
    in_group = group[planted.flipped] == "B"
    assert in_group.mean() == pytest.approx(0.8, abs=1e-9)
    rate_in = planted.flipped_mask[group == "B"].mean()
    rate_out = planted.flipped_mask[group != "B"].mean()
    assert rate_in > 5 * rate_out


def test_planted_uniform_noise_and_other_group():
    uniform = make_planted(10_000, seed=5, noise_group=None, label_noise=0.1)
    group = uniform.frame["group"].to_numpy()
    rates = [uniform.flipped_mask[group == g].mean() for g in "ABC"]
    assert max(rates) - min(rates) < 0.03
    assert uniform.noise_group is None and uniform.summary()["flipped_in_noise_group"] is None
    into_c = make_planted(10_000, seed=5, noise_group="C", label_noise=0.02)
    assert (into_c.frame["group"].to_numpy()[into_c.flipped] == "C").mean() == pytest.approx(0.8)


def test_planted_error_slice(planted):
    frame = planted.frame
    rule = np.ones(len(frame), dtype=bool)
    for column, op, value in planted.slice_conditions:
        values = frame[column].to_numpy()
        rule &= values < value if op == "<" else values == value
    np.testing.assert_array_equal(rule, planted.slice_mask)
    assert planted.slice_description == "age < 25 and region == 'north'"
    size = planted.slice_mask.sum()
    assert 0.02 * len(frame) < size < 0.08 * len(frame)
    wrong = frame["pred"].to_numpy() != frame["label"].to_numpy()
    assert wrong[planted.slice_mask].mean() == pytest.approx(planted.slice_error_rate)
    assert wrong[~planted.slice_mask].mean() == pytest.approx(planted.rest_error_rate)
    assert planted.slice_error_rate > 2 * planted.rest_error_rate
    wrong_true = frame["pred"].to_numpy() != planted.label_true
    assert wrong_true[planted.slice_mask].mean() == pytest.approx(0.45, abs=0.01)
    # no planted slice: the slice errs like the rest of the data
    plain = make_planted(seed=0, slice_error=0.0)
    wrong = plain.frame["pred"].to_numpy() != plain.frame["label"].to_numpy()
    assert wrong[plain.slice_mask].mean() < 1.5 * wrong[~plain.slice_mask].mean()


def test_planted_summary_is_json_safe(planted):
    import json

    doc = json.loads(json.dumps(planted.summary()))
    assert doc["disparity"] == pytest.approx(planted.disparity)
    assert doc["flipped_in_noise_group"] == 800
    assert doc["slice"] == planted.slice_description


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(n=10), "n must be"),
        (dict(disparity=1.5), "disparity"),
        (dict(disparity=0.9), "selection rate"),
        (dict(label_noise=0.6), "label_noise"),
        (dict(noise_group="D"), "noise_group"),
        (dict(noise_group="C", label_noise=0.3, noise_share=1.0), "within-group flip rate"),
        (dict(disadvantaged_group="A"), "disadvantaged_group"),
        (dict(group_shares=(0.5, 0.5)), "group_shares"),
    ],
)
def test_planted_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_planted(**{"n": 2000, **kwargs})


def test_planted_group_rule_zero_draws_the_same_data():
    base = make_planted(n=2_000, seed=3)
    same = make_planted(n=2_000, seed=3, group_rule=0.0)
    pd.testing.assert_frame_equal(base.frame, same.frame)
    changed = make_planted(n=2_000, seed=3, group_rule=1.0).frame
    other = (changed["group"] != "C").to_numpy()
    np.testing.assert_array_equal(changed["score"].to_numpy()[other],
                                  base.frame["score"].to_numpy()[other])
