"""Label errors need class probabilities: a raw score is never read as one (issue 14, item 2).

The COMPAS sample's ``score`` is ``decile_score / 10``: it lies in [0, 1] but is a raw risk
scale (the sample maps it with ``score_kind="raw"``). Read as a probability it flagged 2,034
rows (28.2%), the top ones with "probabilities 1: 1.000, 0: 0.000" and label quality 0.0000,
while the raw ProPublica upload's ``decile_score`` (1-10) was refused. Both are raw scores and
are now treated the same way: the cross-validated model of the features finds the errors, and
the result says why; asking for the score is refused with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fairlens.labels as fl
from fairlens import AuditSpec
from fairlens.auditing import AuditOptions
from fairlens.data import FairLensInputError
from fairlens.datasets import load_sample
from fairlens.labels import _errors as E
from fairlens.report._analysis_sections import labels_section
from fairlens.wording import labels as W
from tests.conftest import require_shared

OLD_SAMPLE_FLAGS = 2_034
"""What the sample's decile/10 score flagged when it was read as a probability."""


@pytest.fixture(scope="module")
def compas_sample() -> tuple[pd.DataFrame, AuditSpec]:
    return load_sample("compas")


@pytest.fixture(scope="module")
def compas_found(compas_sample) -> fl.LabelAnalysis:
    """The library's default analysis of the COMPAS sample (what the report runs)."""
    frame, spec = compas_sample
    return fl.analyze_labels_spec(frame, spec, options=AuditOptions(bootstrap=0, ci="wilson"))


def test_the_samples_raw_score_is_passed_over_for_the_cross_validated_model(compas_found):
    issues = compas_found.issues
    assert issues.source == "features" and issues.raw_score == "score"
    assert issues.detection.detector == "cross_validated"
    assert issues.features == ["age", "priors_count", "juv_fel_count", "juv_misd_count",
                               "c_charge_degree"]
    assert issues.n_issues != OLD_SAMPLE_FLAGS
    # No row is "certain" any more: decile 10 read as probability 1 gave P(given) = 0.
    table = issues.issue_table()
    assert table["given_probability"].min() > 0.001
    doc = compas_found.to_dict()
    assert doc["source"] == "features" and doc["score_column"] is None
    assert doc["method"]["raw_score_passed_over"] == "score"
    assert doc["method"]["out_of_sample"] is True and doc["method"]["n_splits"] == 5
    assert W.raw_score_switch("score") in doc["headline"]
    assert doc["headline"].startswith(f"{issues.n_issues:,} of 7,214 labels (")
    assert W.CAVEAT_OUT_OF_SAMPLE in doc["headline"]
    assert doc["sample"] is None
    # The report's label section leads with the same headline (one sentence, one place).
    section = labels_section(doc)
    assert section.paragraphs[0] == doc["headline"]


def test_asking_for_a_raw_score_is_refused_with_the_reason(compas_sample):
    frame, spec = compas_sample
    with pytest.raises(FairLensInputError) as caught:
        fl.label_issues_spec(frame, spec, source="score")
    message = str(caught.value)
    assert message == E.RAW_SCORE_NOT_PROBABILITY.format(col="score", range="from 0.1 to 1")
    assert "cross-validated probabilities from the features" in message
    # Without features the only thing left is the reason and what to do.
    with pytest.raises(FairLensInputError, match="mapped as a raw score"):
        fl.label_issues_spec(frame, spec, features=[])


def test_a_raw_score_in_zero_one_is_no_source_and_a_probability_score_is(planted):
    raw = AuditSpec(label="label", score=["score"], sensitive=["group"], score_kind="raw")
    prob = AuditSpec(label="label", score=["score"], sensitive=["group"])
    assert fl.available_sources(raw, ["age"]) == ["features"]
    assert fl.available_sources(raw) == []
    assert fl.available_sources(prob, ["age"]) == ["score", "features"]
    # Before: the raw score in [0, 1] was used as probabilities with a note.
    with pytest.raises(FairLensInputError, match="'score' is mapped as a raw score"):
        fl.label_issues_spec(planted.frame.head(2000), raw, source="score")
    found = fl.label_issues_spec(planted.frame.head(2000), prob)
    assert found.source == "score" and found.raw_score is None
    assert W.CAVEAT_FILE in found.headline() and "flatters" in found.headline()


def test_the_raw_propublica_upload_is_treated_like_the_sample(compas_sample):
    """The raw export as pandas reads it (53 columns): its 1-10 decile score is passed over in
    the same way, and refused with the same reason when asked for."""
    raw = pd.read_csv(require_shared("compas", "compas-scores-two-years.csv")).head(3000)
    spec = AuditSpec(label="two_year_recid", score=["decile_score"], sensitive=["race"],
                     threshold=5, score_kind="raw", favorable="negative",
                     features=["age", "priors_count", "juv_fel_count", "c_charge_degree"])
    found = fl.label_issues_spec(raw, spec, options=AuditOptions(bootstrap=0),
                                 model="logistic_regression", n_splits=3)
    assert found.source == "features" and found.raw_score == "decile_score"
    with pytest.raises(FairLensInputError) as caught:
        fl.label_issues_spec(raw, spec, source="score")
    assert str(caught.value) == E.RAW_SCORE_NOT_PROBABILITY.format(col="decile_score",
                                                                   range="from 1 to 10")


def test_rows_are_worded_for_a_person(compas_found):
    lines = compas_found.summary_lines()
    assert lines[0] == f"FairLens labels: {compas_found.issues.headline()}"
    text = "\n".join(lines)
    assert "0.0000" not in text and "quality" not in text.split("race:")[0]
    assert "row " in text and "labelled " in text and "probably " in text
    assert W.chance(0.0004) == "under 0.1%" and W.chance(0.0) == "0%"
    assert W.chance(0.03) == "3.0%" and W.chance(0.5) == "50%" and W.chance(1.0) == "100%"
    assert W.row_line(17, 0, 1, 0.02) == (
        "row 17: labelled 0, probably 1 (the probabilities give the given label 2.0%)")


def test_the_page_names_its_radio_button_not_the_python_keyword():
    message = E.PROBA_OUT_OF_RANGE.format(what="the scores", lo=1, hi=10)
    page = W.for_page(message)
    assert "source='features'" not in page and "CLI" not in page
    assert "A cross-validated model of the features" in page
    assert "Find label errors with" in page


# --- big data: a stated, seeded, stratified sample -------------------------------------------


def test_the_row_limit_is_a_named_constant():
    assert fl.MAX_ROWS == 200_000


def test_stratified_sample_keeps_every_stratum_and_its_share():
    strata = np.repeat(np.arange(4), [50_000, 30_000, 19_990, 10])
    rows = fl._sample.stratified_rows(strata, 10_000, seed=3)
    assert len(rows) == 10_000 and len(np.unique(rows)) == 10_000
    counts = np.bincount(strata[rows], minlength=4)
    assert list(counts) == [5_000, 3_000, 1_999, 1]  # the shares; at least one row
    again = fl._sample.stratified_rows(strata, 10_000, seed=3)
    other = fl._sample.stratified_rows(strata, 10_000, seed=4)
    assert np.array_equal(rows, again) and not np.array_equal(rows, other)


def test_above_the_limit_labels_work_on_a_stated_sample(planted):
    frame = planted.frame.head(3000)
    spec = AuditSpec(label="label", score=["score"], sensitive=["group"])
    result = fl.analyze_labels_spec(frame, spec, options=AuditOptions(bootstrap=0, seed=5),
                                    max_rows=1000)
    issues = result.issues
    assert issues.n_rows == 1000
    sample = issues.sample
    assert sample.rows_in_data == 3000 and sample.rows_analysed == 1000 and sample.seed == 5
    # Stratified by label x group: every stratum keeps its share (within one row).
    full = frame.groupby(["label", "group"]).size() / 3000 * 1000
    got = frame.iloc[sample.rows].groupby(["label", "group"]).size()
    assert (abs(got - full) <= 1).all()
    doc = result.to_dict()
    assert doc["sample"] == {"rows_in_data": 3000, "rows_analysed": 1000, "limit": 1000,
                             "seed": 5, "stratified_by": ["label", "group"]}
    assert W.sample_sentence(doc["sample"]) in doc["headline"]
    assert "random sample of 1,000 rows, stratified by label and group (seed 5)" in \
        doc["headline"]
    # Rows are numbered as in the data.
    for entry in doc["issues"][:20]:
        assert frame["label"].iloc[entry["row"]] == entry["given_label"]
    assert max(e["row"] for e in doc["issues"]) >= 1000 or len(doc["issues"]) < 5
    # The audits before/after ran on the sampled rows, given the whole frame.
    assert result.fairness is not None
    assert result.fairness.audits["before"].n_rows == 1000
    # The same rows again from the cross-validated probabilities computed first (the app).
    feats = list(planted.features)
    cv = fl.cross_val_proba_spec(frame, spec, feats, model="logistic_regression", n_splits=3,
                                 seed=5, max_rows=1000)
    assert cv.proba.shape[0] == 1000
    pre = fl.label_issues_spec(frame, spec, options=AuditOptions(seed=5), source="features",
                               features=feats, pred_probs=cv.proba, max_rows=1000)
    assert np.array_equal(pre.sample.rows, sample.rows)
    # Below the limit nothing is sampled.
    assert fl.label_issues_spec(frame, spec).sample is None
    with pytest.raises(FairLensInputError, match="max_rows must be an integer"):
        fl.label_issues_spec(frame, spec, max_rows=5)
