"""Column screening: the raw ProPublica file, Titanic, the planted messy export, messy dtypes
and property tests (issue 13, parts 1 and 6)."""

from __future__ import annotations

import functools
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlens.data import (
    AuditSpec,
    FairLensInputError,
    Screening,
    bucket_rare,
    feature_warnings,
    infer_spec,
    read_table,
    screen_columns,
)
from fairlens.data import _screening as SC
from fairlens.data._screen_result import REASONS, ROLES
from tests._helpers import FAST
from tests._messy import HONEST_FEATURES, PLANTED_REASONS, messy_frame
from tests.conftest import require_shared

pytestmark = pytest.mark.usefixtures("quiet_numpy")

#: The property tests that screen a generated frame of a few hundred rows each time.
FEW = settings(FAST, max_examples=20)

#: The reason each left-out column of the raw ProPublica file must get.
COMPAS_REASONS = {
    **dict.fromkeys(["id", "name", "first", "last", "c_case_number", "r_case_number",
                     "vr_case_number"], "identifier"),
    **dict.fromkeys(["dob", "c_jail_in", "c_jail_out", "c_offense_date", "c_arrest_date",
                     "r_offense_date", "r_jail_in", "r_jail_out", "vr_offense_date",
                     "screening_date", "v_screening_date", "in_custody", "out_custody"],
                    "date"),
    **dict.fromkeys(["is_recid", "event", "end", "r_charge_degree", "r_days_from_arrest",
                     "r_charge_desc", "is_violent_recid", "vr_charge_degree",
                     "vr_charge_desc"], "label_leak"),
    "violent_recid": "empty",
    **dict.fromkeys(["type_of_assessment", "v_type_of_assessment"], "constant"),
    **dict.fromkeys(["decile_score.1", "score_text", "v_decile_score", "v_score_text"],
                    "score_copy"),
    "priors_count.1": "duplicate",
}
COMPAS_KEPT = ["age", "priors_count", "juv_fel_count", "juv_misd_count", "juv_other_count",
               "c_charge_degree"]


@pytest.fixture(scope="module")
def raw_compas() -> pd.DataFrame:
    return read_table(require_shared("compas", "compas-scores-two-years.csv"))


@pytest.fixture(scope="module")
def raw_screening(raw_compas) -> Screening:
    return screen_columns(raw_compas)


def _reasons(screening: Screening) -> dict[str, str | None]:
    return {c.name: c.reason for c in screening.columns}


# --- the raw ProPublica file ----------------------------------------------------------------

def test_raw_compas_roles_and_features(raw_screening):
    spec = raw_screening.spec
    assert spec.label == "two_year_recid" and spec.score == ["decile_score"]
    assert {"sex", "race"} <= set(spec.sensitive)
    assert spec.time == "compas_screening_date"
    features = raw_screening.features
    assert features == spec.features
    for name in COMPAS_KEPT:
        assert name in features, name
    r_cols = [c.name for c in raw_screening.columns if c.name.startswith(("r_", "vr_"))]
    assert len(r_cols) == 11 and set(r_cols) <= set(raw_screening.excluded)
    for name in [*COMPAS_REASONS, "compas_screening_date", "sex", "race"]:
        assert name not in features, name
    # Every column of the file is screened once, in order, with a role of the list.
    assert [c.name for c in raw_screening.columns] == [
        str(c) for c in read_table(require_shared("compas", "compas-scores-two-years.csv")
                                   ).columns]
    assert all(c.role in ROLES and (c.reason is None or c.reason in REASONS)
               for c in raw_screening.columns)


def test_raw_compas_reasons(raw_screening):
    reasons = _reasons(raw_screening)
    wrong = {c: (reasons[c], want) for c, want in COMPAS_REASONS.items() if reasons[c] != want}
    assert not wrong
    assert raw_screening.excluded == COMPAS_REASONS
    assert raw_screening.column("compas_screening_date").role == "time"
    # The numbers behind the reasons.
    assert raw_screening.column("id").detail == 1.0
    assert raw_screening.column("is_recid").detail == pytest.approx(0.972, abs=0.01)
    assert raw_screening.column("end").detail == pytest.approx(0.93, abs=0.02)
    assert raw_screening.column("decile_score.1").detail == pytest.approx(1.0)
    v = raw_screening.column("v_decile_score")
    assert v.basis == "other_model" and v.against == "decile_score"
    assert SC.OTHER_SCORE_RHO <= v.detail < SC.SCORE_COPY_RHO
    dup = raw_screening.column("priors_count.1")
    assert dup.against == "priors_count" and "priors_count" in raw_screening.features
    vr = raw_screening.column("vr_charge_degree")
    assert (vr.basis, vr.against, vr.against_state) == ("implied", "is_recid", "1")


def test_raw_compas_sentences(raw_screening):
    assert raw_screening.reason_text("id") == (
        "Left out: an identifier (100% of its values are distinct).")
    text = raw_screening.reason_text("is_recid")
    assert text.startswith("Left out: it predicts the label almost perfectly on its own (AUC 0.97)")
    assert "AUC 0.97" in text and "None" not in text
    assert "is_recid is 1" in raw_screening.reason_text("is_violent_recid")
    assert raw_screening.reason_text("age") is None
    assert raw_screening.reason_text("two_year_recid") is None
    assert "decile_score" in raw_screening.reason_text("score_text")
    for c in raw_screening.columns:
        text = c.text
        assert (text is None) == (c.reason is None)
        assert text is None or ("None" not in text and "nan" not in text and "[" not in text)


def test_priors_count_is_an_honest_strong_feature(raw_compas, raw_screening):
    # priors_count separates the label with an AUC of about 0.67: strong, not a leak.
    y = raw_compas["two_year_recid"].to_numpy() == 1
    from fairlens.data._column_stats import rank_auc

    assert 0.6 < rank_auc(raw_compas["priors_count"].to_numpy(float), y) < SC.LEAK_AUC
    assert raw_screening.column("priors_count").role == "feature"


def test_raw_compas_given_label_changes_what_leaks(raw_compas):
    spec = AuditSpec(label="is_recid", score=["decile_score"], sensitive=["race"])
    screening = screen_columns(raw_compas, spec)
    assert screening.column("two_year_recid").reason == "label_leak"
    assert screening.column("is_recid").role == "label"
    assert screening.spec.sensitive == ["race"]
    assert screening.column("sex").role == "feature"  # not given as sensitive
    assert screening.spec.label == "is_recid" and spec.features == []


def test_infer_spec_proposes_the_screened_features(raw_compas, raw_screening):
    spec = infer_spec(raw_compas)
    assert spec.features == raw_screening.features
    assert spec.time == "compas_screening_date"
    assert spec.score == ["decile_score"] and spec.score_kind == "raw"


def test_raw_compas_is_fast(raw_compas):
    start = time.process_time()
    screen_columns(raw_compas)
    assert time.process_time() - start < 3.0  # about 0.4 s of CPU on the dev machine


def test_to_dict_is_the_inspect_document(raw_screening):
    import json

    doc = raw_screening.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["schema"] == "fairlens.inspect/1"
    assert AuditSpec.from_dict(doc["spec"]).features == raw_screening.features
    assert len(doc["columns"]) == 53
    assert {"name", "dtype", "role", "reason", "detail"} <= set(doc["columns"][0])
    by_name = {c["name"]: c for c in doc["columns"]}
    assert by_name["is_recid"]["reason"] == "label_leak"
    assert by_name["age"] == {"name": "age", "dtype": "int64", "role": "feature",
                              "reason": None, "detail": None, "text": None}


def test_feature_warnings(raw_compas):
    spec = infer_spec(raw_compas)
    assert feature_warnings(raw_compas, spec) == []
    spec.features = [*spec.features, "is_recid", "decile_score.1", "c_case_number"]
    warnings = feature_warnings(raw_compas, spec)
    assert len(warnings) == 3
    assert warnings[0].startswith("The feature is_recid should be left out: it predicts the label")
    assert "decile_score.1" in warnings[1] and "c_case_number" in warnings[2]
    # Without a label nothing can leak; the score copy is still seen.
    no_label = AuditSpec(score=["decile_score"], features=["is_recid", "decile_score.1"])
    assert [w.split(" should")[0] for w in feature_warnings(raw_compas, no_label)] == [
        "The feature decile_score.1"]


# --- Titanic --------------------------------------------------------------------------------

def test_titanic_with_kaggle_columns():
    frame = read_table(require_shared("titanic", "titanic.csv"))
    n = len(frame)
    rng = np.random.default_rng(1)
    titles = rng.choice(["Mr.", "Mrs.", "Miss.", "Master."], n)
    frame.insert(0, "PassengerId", np.arange(1, n + 1))
    frame["Name"] = [f"Surname{i}, {t} Given{i % 97}" for i, t in enumerate(titles)]
    frame["Ticket"] = [f"A/5 {v}" for v in rng.permutation(10 * n)[:n]]
    cabin = pd.Series([f"C{v}" for v in rng.integers(1, 150, n)], dtype=object)
    frame["Cabin"] = cabin.where(rng.random(n) < 0.23)
    screening = screen_columns(frame)
    spec = screening.spec
    assert spec.label == "survived"  # not the passenger class
    reasons = _reasons(screening)
    assert reasons["PassengerId"] == reasons["Name"] == reasons["Ticket"] == "identifier"
    assert screening.column("Cabin").role == "feature" or reasons["Cabin"] == "mostly_missing"
    for name in ["class", "embarked", "fare", "sibsp", "parch"]:
        assert screening.column(name).role == "feature", name
    assert screening.column("gender").role == "sensitive"
    assert spec.time is None


# --- the planted export ---------------------------------------------------------------------

@pytest.mark.parametrize("given", [True, False])
def test_messy_planted_reasons(given):
    frame = messy_frame()
    spec = AuditSpec(label="label", score=["score"], sensitive=["race", "sex"]) if given else None
    screening = screen_columns(frame, spec)
    reasons = _reasons(screening)
    assert {c: reasons[c] for c in PLANTED_REASONS} == PLANTED_REASONS
    kept = [c for c in HONEST_FEATURES if given or c != "age"]
    assert [c for c in screening.features if c in HONEST_FEATURES] == kept
    assert screening.spec.time == "screening_date"
    assert screening.column("screening_date").role == "time"
    assert screening.column("birth_date").role == "excluded"
    if not given:  # age is guessed as a sensitive attribute
        assert screening.column("age").role == "sensitive"
    assert "city" in screening.features  # 400 values: bucketed by the encoders, kept


def test_messy_large_file_is_bounded():
    frame = messy_frame(n=30_000, seed=3)
    start = time.process_time()
    screening = screen_columns(frame)
    assert time.process_time() - start < 8.0
    assert {c: screening.column(c).reason for c in PLANTED_REASONS} == PLANTED_REASONS


def test_messy_dtypes():
    n = 400
    rng = np.random.default_rng(2)
    label = rng.integers(0, 2, n)
    frame = pd.DataFrame({
        0: label,
        1: rng.random(n),
        "flag": rng.random(n) < 0.4,
        "grade": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"),
        "mixed": pd.Series([1, "x", 2.5, None] * (n // 4), dtype=object),
        "nothing": pd.Series([None] * n, dtype=object),
        "many": [f"v{v}" for v in rng.integers(0, 300, n)],
        "wait": pd.to_timedelta(rng.integers(0, 100, n), "h"),
        "copy_bool": label == 1,
        "lists": [[i % 3] for i in range(n)],
    })
    spec = AuditSpec(label="0", score=["1"], sensitive=["grade"])
    screening = screen_columns(frame, spec)
    reasons = _reasons(screening)
    assert [c.name for c in screening.columns][:2] == ["0", "1"]
    assert reasons["when"] == "date" and screening.spec.time == "when"
    assert reasons["nothing"] == "empty"
    assert reasons["copy_bool"] == "label_leak"
    for name in ["flag", "mixed", "many", "wait", "lists"]:
        assert screening.column(name).role == "feature", name
    with pytest.raises(FairLensInputError):
        screen_columns([[1, 2]])  # type: ignore[arg-type]


def test_bucket_rare():
    s = pd.Series(["a"] * 5 + ["b"] * 3 + ["c", "d", None])
    out = bucket_rare(s, top=2)
    assert out.tolist()[:8] == ["a"] * 5 + ["b"] * 3
    assert out.tolist()[8:10] == [SC.OTHER, SC.OTHER] and pd.isna(out.iloc[10])
    numbers = bucket_rare(pd.Series(np.arange(1000) % 77), top=SC.TOP_VALUES)
    assert numbers.nunique() == SC.TOP_VALUES + 1


# --- property tests -------------------------------------------------------------------------

_cell = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(max_size=6), st.booleans())


@st.composite
def _frames(draw):
    n = draw(st.integers(0, 40))
    columns = {}
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["int", "float", "text", "bool", "mixed", "nan", "date",
                                     "category"]))
        if kind == "int":
            values = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
        elif kind == "float":
            values = draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n))
        elif kind == "text":
            values = draw(st.lists(st.sampled_from(["a", "b b", "2013-01-02", ""]),
                                   min_size=n, max_size=n))
        elif kind == "bool":
            values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        elif kind == "mixed":
            values = pd.Series(draw(st.lists(_cell, min_size=n, max_size=n)), dtype=object)
        elif kind == "nan":
            values = [np.nan] * n
        elif kind == "date":
            values = pd.to_datetime(draw(st.lists(st.integers(0, 10**9), min_size=n,
                                                  max_size=n)), unit="s")
        else:
            values = pd.Categorical(draw(st.lists(st.sampled_from("xyz"), min_size=n,
                                                  max_size=n)))
        columns[draw(st.sampled_from([i, f"c{i}", f"id_{i}", f"score {i}"]))] = values
    return pd.DataFrame(columns)


@FAST
@given(frame=_frames(), label=st.booleans())
def test_random_frame_never_raises(frame, label):
    names = [str(c) for c in frame.columns]
    spec = AuditSpec(label=names[0]) if label else None
    screening = screen_columns(frame, spec)
    assert [c.name for c in screening.columns] == names
    assert set(screening.features) <= set(names)
    assert all(c.role in ROLES and (c.reason is None or c.reason in REASONS)
               for c in screening.columns)
    screening.to_dict()
    screening.summary_lines()


@FEW
@given(n=st.integers(40, 400), p=st.floats(0.1, 0.9), seed=st.integers(0, 10**6),
       values=st.sampled_from([(0, 1), ("no", "yes"), (False, True), (3.5, -1.0)]))
def test_a_copy_of_the_label_is_always_a_leak(n, p, seed, values):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < p
    y[:10], y[10:20] = True, False
    frame = pd.DataFrame({"label": y.astype(int), "x": rng.normal(size=n),
                          "copy": np.where(y, values[1], values[0])})
    screening = screen_columns(frame, AuditSpec(label="label"))
    assert screening.column("copy").reason == "label_leak"
    assert screening.column("x").role == "feature"


@functools.cache
def _messy(n: int, seed: int) -> pd.DataFrame:
    return messy_frame(n=n, seed=seed)


@FEW
@given(seed=st.integers(0, 10**6), name=st.sampled_from(HONEST_FEATURES),
       n=st.sampled_from([300, 1000, 3000]))
def test_a_shuffled_honest_feature_is_never_a_leak(seed, name, n):
    frame = _messy(n, seed % 3).copy()
    rng = np.random.default_rng(seed)
    frame["shuffled"] = rng.permutation(frame[name].to_numpy())
    frame = frame[["label", "score", "race", "sex", "outcome_copy", "followup_days", name,
                   "shuffled"]]
    screening = screen_columns(frame, AuditSpec(label="label", score=["score"],
                                                sensitive=["race", "sex"]))
    assert screening.column("shuffled").reason is None
    assert screening.column(name).reason is None


def test_exact_copies_of_a_kept_column_are_duplicates():
    frame = messy_frame(600)
    frame["age_again"] = frame["age"]
    frame["race_as_feature"] = frame["race"]
    screening = screen_columns(frame, AuditSpec(label="label", score=["score"],
                                                 sensitive=["race", "sex"]))
    assert screening.excluded["age_again"] == "duplicate"
    assert screening.column("age_again").against == "age"
    assert screening.excluded["race_as_feature"] == "duplicate"
    assert "age" in screening.features
    assert screening.reason_text("age_again") == (
        "Left out: the same values as age, row for row (keep one of the two).")
