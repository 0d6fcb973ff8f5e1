"""Label-aware fairness: before/after numbers checked by hand on a 16-row example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens
import fairlens.labels as fl

FLAGGED = (2, 14)


class FixedRows(fl.Detector):
    """A detector that flags given rows (so the flagged set is known exactly)."""

    name = "fixed_rows"
    needs = "score"

    def __init__(self, rows=FLAGGED):
        self.rows = list(rows)

    def detect(self, data: fl.DetectorInput) -> fl.Detection:
        issues = np.zeros(len(data.labels), dtype=bool)
        issues[self.rows] = True
        proba = np.column_stack([1 - data.scores, data.scores])
        quality = proba[np.arange(len(data.labels)), data.labels]
        return fl.Detection(self.name, issues, quality, np.argmax(proba, axis=1), proba, {})


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Two groups of 8; rows 2 (a, label 1, predicted 0) and 14 (b, label 0, predicted 1)."""
    return pd.DataFrame({
        "g": ["a"] * 8 + ["b"] * 8,
        "y": [1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0],
        "pred": [1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0],
    }).assign(score=lambda d: np.where(d["pred"] == 1, 0.8, 0.2))


@pytest.fixture(scope="module")
def result(frame):
    return fl.analyze_labels(frame, label="y", score="score", sensitive="g",
                             detector=FixedRows(), min_group_size=0, bootstrap=0, ci="wilson",
                             corrections={2: 0})


def test_before_after_table_matches_hand_computation(result):
    # By hand (y_hat = score >= 0.5):
    #            TPR a   TPR b   FPR a   FPR b   sel a  sel b  acc a  acc b
    # before     3/4     2/3     1/4     2/5     4/8    4/8    6/8    5/8
    # exclusion  3/3     2/3     1/4     1/4     4/7    3/7    6/7    5/7
    # relabel    3/3     3/4     1/5     1/4     4/8    4/8    7/8    6/8
    # review     3/3     2/3     1/5     2/5     4/8    4/8    7/8    5/8   (row 2 -> 0 only)
    expected = {
        "demographic_parity_difference": (0.0, 1 / 7, 0.0, 0.0),
        "equal_opportunity_difference": (3 / 4 - 2 / 3, 1 - 2 / 3, 1 - 3 / 4, 1 - 2 / 3),
        "equalized_odds_difference": (2 / 5 - 1 / 4, 1 - 2 / 3, 1 - 3 / 4, 1 - 2 / 3),
        "accuracy_difference": (1 / 8, 1 / 7, 1 / 8, 2 / 8),
    }
    table = result.fairness.table.set_index(["grouping", "measure"])
    for measure, values in expected.items():
        row = table.loc[("g", measure)]
        got = (row["before"], row["exclusion"], row["relabel"], row["review"])
        np.testing.assert_allclose(got, values, atol=1e-12, err_msg=measure)
    assert result.fairness.changed_rows == {"before": 0, "exclusion": 2, "relabel": 2,
                                            "review": 1}


def test_the_before_column_is_the_plain_audit(frame, result):
    plain = fairlens.audit(frame, label="y", score="score", sensitive="g", min_group_size=0,
                           bootstrap=0, ci="wilson")
    disp = plain.disparities.set_index("measure")["value"]
    table = result.fairness.table.set_index("measure")
    for measure in ("demographic_parity_difference", "equalized_odds_difference"):
        assert table.loc[measure, "before"] == disp[measure]


def test_json_document(result):
    doc = result.to_dict()
    assert doc["schema"] == "fairlens.labels/1"
    assert doc["n_rows"] == 16 and doc["n_issues"] == 2
    issues = {i["row"]: i for i in doc["issues"]}
    assert sorted(issues) == [2, 14]
    assert issues[2] == {"row": 2, "given_label": 1, "suggested_label": 0,
                         "label_quality": pytest.approx(0.2)}
    assert issues[14]["given_label"] == 0 and issues[14]["suggested_label"] == 1
    qualities = [i["label_quality"] for i in doc["issues"]]
    assert qualities == sorted(qualities)
    assert {tuple(g["attributes"].items()) for g in doc["by_group"]} == {(("g", "a"),),
                                                                         (("g", "b"),)}
    group_a = next(g for g in doc["by_group"] if g["attributes"] == {"g": "a"})
    assert group_a["n"] == 8 and group_a["n_issues"] == 1 and group_a["rate"] == 1 / 8
    assert len(group_a["ci"]) == 2
    after = doc["fairness_after_exclusion"]["disparities"]["g"]
    assert after["demographic_parity_difference"] == pytest.approx(1 / 7)
    assert doc["fairness_after_relabel"]["disparities"]["g"][
        "equalized_odds_difference"] == pytest.approx(0.25)
    assert "equity_scaled" in doc["fairness_before"]
    assert isinstance(doc["warnings"], list)


def test_robustness_verdict_with_bootstrap_intervals(planted):
    result = fl.analyze_labels(planted.frame, label="label", score="score",
                               sensitive=["sex"], bootstrap=200)
    table = result.fairness.table
    sex = table[table["measure"] == "equalized_odds_difference"].iloc[0]
    inside = all(sex["before_low"] <= sex[v] <= sex["before_high"]
                 or abs(sex[v] - sex["before"]) <= 0.01 for v in ("exclusion", "relabel"))
    assert bool(sex["robust"]) == inside
    assert any("robust" in s for s in result.fairness.sentences)


def test_model_ranking_with_several_models(planted):
    frame = planted.frame.assign(noisy_score=lambda d: np.clip(
        d["score"] + np.random.default_rng(0).normal(0, 0.3, len(d)), 0, 1))
    result = fl.analyze_labels(frame, label="label", score=["score", "noisy_score"],
                               sensitive="group", bootstrap=0, ci="wilson")
    ranking = result.fairness.ranking.set_index("model")
    assert list(ranking.index) == ["score", "noisy_score"]
    assert ranking.loc["score", "before_rank"] == 1
    assert ranking.loc["score", "before_auc"] > ranking.loc["noisy_score", "before_auc"]
    assert {"exclusion_rank", "relabel_rank", "rank_changes"} <= set(ranking.columns)
    assert any("favoured" in w for w in result.warnings)


def test_no_predictions_means_no_audit_but_issues(planted):
    frame = planted.frame.drop(columns=["score", "pred"])
    result = fl.analyze_labels(frame, label="label", sensitive="group",
                               features=planted.features, model="logistic_regression",
                               n_splits=3)
    assert result.fairness is None
    assert any("no model predictions" in w for w in result.warnings)
    assert result.issues.n_issues > 0
    doc = result.to_dict()
    assert doc["fairness_before"] is None and doc["fairness_after_relabel"] is None


def test_multiclass_relabel_writes_label_values(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    truth = rng.integers(0, 3, n)
    logits = rng.normal(0, 1, (n, 3))
    logits[np.arange(n), truth] += 3
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    given = truth.copy()
    flip = rng.random(n) < 0.08
    given[flip] = (truth[flip] + 1) % 3
    names = np.array(["cat", "dog", "owl"])
    frame = pd.DataFrame({"animal": names[given], "site": rng.choice(["x", "y"], n),
                          **{f"p_{c}": proba[:, i] for i, c in enumerate(names)}})
    result = fl.analyze_labels(frame, label="animal", proba_prefix="p_", sensitive="site",
                               bootstrap=0, ci="wilson")
    issues = result.issues
    assert issues.classes == ["cat", "dog", "owl"]
    assert (issues.mask & flip).sum() / flip.sum() > 0.6
    table = issues.issue_table()
    assert set(table["given_label"]) <= {"cat", "dog", "owl"}
    assert result.fairness is not None
    assert "accuracy_difference" in set(result.fairness.table["measure"])
