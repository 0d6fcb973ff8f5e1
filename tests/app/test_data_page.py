"""Data page: samples, uploads, the proposed mapping, and clear messages for bad input."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

import fairlens
from fairlens import wording as fmt
from fairlens.ui import keys

from .conftest import predictions_csv, readable, table_frame, upload


def texts(at, kind: str) -> list[str]:
    return [readable(e.value) for e in getattr(at, kind)]


def test_sample_preview_and_proposed_mapping(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert [readable(t.value) for t in app.title] == ["Data"]
    assert any("7,214 rows x 14 columns" in readable(m.value) for m in app.markdown)
    assert app.main.dataframe[0].value.shape == (100, 14)
    assert app.selectbox(key="data_map_label").value == "two_year_recid"
    assert app.multiselect(key="data_map_score").value == ["score"]
    assert app.multiselect(key="data_map_sensitive").value == ["race", "sex", "age_cat"]
    assert any("The mapping fits the data: 7,214 rows" in s for s in texts(app, "success"))
    assert not app.file_uploader, "the sample view has no uploader"
    app.radio(key="data_source").set_value("Upload a file").run()
    limit = st.get_option("server.maxUploadSize")
    assert any(f"Files up to **{limit} MB**" in readable(c.value) for c in app.caption)


def test_upload_proposes_a_mapping_and_audits_it():
    from .conftest import new_app

    at = new_app().run()
    content = predictions_csv()
    upload(at, "preds.csv", content)
    assert not at.exception
    assert any("Loaded **preds.csv**" in s for s in texts(at, "success"))
    assert at.selectbox(key="data_map_label").value == "label"
    assert at.multiselect(key="data_map_score").value == ["score"]
    assert at.multiselect(key="data_map_sensitive").value == ["race", "sex"]
    assert any("3,000 rows" in s for s in texts(at, "success"))
    at.switch_page("pages/fairness.py").run()
    expected = fairlens.audit(io.BytesIO(content).getvalue(), label="label", score="score",
                              sensitive=["race", "sex"])
    rows = expected.by_group[expected.by_group["grouping"] == "race"]
    table = table_frame(at)
    for _, r in rows.iterrows():
        want = fmt.fmt_ci(r["tpr"], r["tpr_low"], r["tpr_high"])
        assert table.loc[r["group"], "TPR"].startswith(want)
    assert at.query_params.get("workspace"), "an upload is saved as a private workspace"


def test_edit_mapping_and_apply():
    from .conftest import new_app

    at = new_app().run()
    upload(at, "preds.csv", predictions_csv())
    at.multiselect(key="data_map_sensitive").set_value(["race"]).run()
    assert any("not applied yet" in readable(i.value) for i in at.info)
    at.radio(key="data_map_score_kind").set_value("raw").run()
    at.number_input(key="data_map_threshold").set_value(0.4).run()
    at.button(key="data_apply").click().run()
    assert not at.exception
    spec = at.session_state[keys.SPEC]
    assert spec.sensitive == ["race"] and spec.score_kind == "raw" and spec.threshold == 0.4
    assert not any("not applied yet" in readable(i.value) for i in at.info)
    assert at.sidebar.multiselect(key="sidebar_sensitive").value == ["race"]


def test_binary_junk_is_refused_with_a_clear_message(app):
    upload(app, "junk.csv", bytes(range(256)) * 64)
    assert not app.exception
    errors = texts(app, "error")
    assert any("Could not use **junk.csv**" in e and "binary" in e for e in errors), errors
    assert any("still COMPAS sample" in e for e in errors)
    assert app.session_state[keys.ACTIVE].name == "COMPAS sample"
    app.switch_page("pages/fairness.py").run()
    assert table_frame(app).shape[0] == 6, "the app keeps working on the previous data"


def test_csv_without_the_needed_columns_says_what_to_map(app):
    upload(app, "other.csv", b"a,b,c\n1,2,x\n3,4,y\n5,6,z\n")
    assert not app.exception
    assert any("No prediction columns are mapped" in w for w in texts(app, "warning"))
    app.switch_page("pages/fairness.py").run()
    assert not app.exception
    assert any("No prediction columns are mapped" in e for e in texts(app, "error"))


def test_all_empty_sensitive_column_is_named_in_the_error(app):
    frame = pd.read_csv(io.BytesIO(predictions_csv(500)))
    frame["race"] = None
    upload(app, "empty_race.csv", frame.to_csv(index=False).encode())
    assert not app.exception
    errors = texts(app, "error")
    assert any("'race' is empty in every row" in e for e in errors), errors
    app.switch_page("pages/fairness.py").run()
    assert any("'race' is empty in every row" in e for e in texts(app, "error"))
    app.switch_page("pages/data.py").run()
    app.multiselect(key="data_map_sensitive").set_value(["sex"]).run()
    app.button(key="data_apply").click().run()
    assert any("The mapping fits the data" in s for s in texts(app, "success"))


def test_pick_the_segmentation_sample(app):
    app.switch_page("pages/data.py").run()
    app.selectbox(key="data_sample").set_value("segmentation").run()
    app.button(key="data_open_sample").click().run()
    assert not app.exception
    spec = app.session_state[keys.SPEC]
    assert spec.metric == ["dice", "iou"]
    assert app.radio(key="data_map_kind").value == "metric"
    app.switch_page("pages/fairness.py").run()
    assert not app.exception
    assert list(table_frame(app).columns)[:3] == ["n", "Dice", "IoU"]


def test_scores_outside_0_1_suggest_the_raw_scale(app):
    frame = pd.read_csv(io.BytesIO(predictions_csv(800)))
    frame["score"] = frame["score"] * 10
    upload(app, "deciles.csv", frame.to_csv(index=False).encode())
    errors = texts(app, "error")
    assert any("outside [0, 1]" in e and "**Score scale** to **Raw**" in e for e in errors)
    app.radio(key="data_map_score_kind").set_value("raw").run()
    app.number_input(key="data_map_threshold").set_value(5.0).run()
    app.button(key="data_apply").click().run()
    assert not texts(app, "error")
    assert any("The mapping fits the data: 800 rows" in s for s in texts(app, "success"))


def test_class_probabilities_are_audited_per_class(app):
    import numpy as np

    rng = np.random.default_rng(1)
    proba = rng.dirichlet([2, 2, 2], 1500)
    labels = np.array([rng.choice(3, p=p) for p in proba])
    frame = pd.DataFrame({"label": np.array(list("abc"))[labels], "p_a": proba[:, 0],
                          "p_b": proba[:, 1], "p_c": proba[:, 2],
                          "sex": rng.choice(["F", "M"], 1500)})
    upload(app, "multiclass.csv", frame.to_csv(index=False).encode())
    assert app.radio(key="data_map_kind").value == "proba_prefix"
    assert app.text_input(key="data_map_prefix").value == "p_"
    app.switch_page("pages/fairness.py").run()
    assert not app.exception
    expected = fairlens.audit(frame, label="label", proba_prefix="p_", sensitive="sex")
    table = table_frame(app)
    assert list(table.columns) == ["n", "Accuracy", "Balanced accuracy", "Macro F1", "AUC",
                                   "Flags"]
    rows = expected.by_group[expected.by_group["grouping"] == "sex"].set_index("group")
    for group in ("F", "M"):
        r = rows.loc[group]
        assert table.loc[group, "Accuracy"].startswith(
            fmt.fmt_ci(r["accuracy"], r["accuracy_low"], r["accuracy_high"]))
    app.toggle(key="fairness_all_metrics").set_value(True).run()
    assert "TPR (a)" in table_frame(app).columns


def _shown_left_out(at) -> pd.DataFrame:
    tables = [d.value for d in at.main.dataframe if "Why it is not a feature" in d.value.columns]
    assert len(tables) == 1
    return tables[0].set_index("Column")


def test_screening_is_shown_and_redone_when_the_label_changes():
    """The planted export: every planted column is listed with the screening's reason, the
    honest columns are the features; a new label is screened for again, and a leak put back
    is warned about."""
    from fairlens.data import screen_columns
    from tests._messy import HONEST_FEATURES, PLANTED_REASONS, messy_frame

    from .conftest import new_app

    frame = messy_frame(n=800)
    at = new_app()
    upload(at, "messy.csv", frame.to_csv(index=False).encode())
    assert not at.exception
    features = at.multiselect(key=keys.W_DATA_FEATURES).value
    assert set(features) == set(HONEST_FEATURES) - {"age"}, features  # age is sensitive here
    left_out = _shown_left_out(at)
    spec = at.session_state[keys.SPEC]
    truth = screen_columns(frame, spec)
    assert spec.time == "screening_date"  # the proposed time column, a role of its own
    for column, reason in PLANTED_REASONS.items():
        if column == spec.time:
            continue
        assert truth.column(column).reason == reason
        assert truth.reason_text(column).lower().endswith(
            left_out.loc[column, "Why it is not a feature"].lower())
    assert not any(w for w in texts(at, "warning") if "feature" in w)

    # outcome_copy as the label: the old label is now a copy of it and is left out
    at.selectbox(key=keys.W_DATA_LABEL).set_value("outcome_copy").run()
    assert not at.exception
    assert any("screened again" in readable(c.value) for c in at.caption)
    assert "label" in _shown_left_out(at).index
    assert "label" not in at.multiselect(key=keys.W_DATA_FEATURES).value

    # back to the real label; put the leak back: a warning, and it is applied as chosen
    at.selectbox(key=keys.W_DATA_LABEL).set_value("label").run()
    chosen = [*at.multiselect(key=keys.W_DATA_FEATURES).value, "followup_days"]
    at.multiselect(key=keys.W_DATA_FEATURES).set_value(chosen).run()
    warned = [w for w in texts(at, "warning") if "followup_days" in w]
    assert len(warned) == 1, warned
    at.button(key="data_apply").click().run()
    assert "followup_days" in at.session_state[keys.SPEC].features


def test_favorable_control_is_the_specs_and_saved():
    from fairlens.ui import WorkspaceStore

    from .conftest import new_app

    at = new_app()
    upload(at, "preds.csv", predictions_csv(600))
    radio = at.radio(key=keys.W_DATA_FAVORABLE)
    assert radio.value == "positive" and radio.label == "A positive prediction is ..."
    assert "good for the person" in radio.options[0] and "harmful" in radio.options[1]
    radio.set_value("negative").run()
    at.button(key="data_apply").click().run()
    assert at.session_state[keys.SPEC].favorable == "negative"
    saved = WorkspaceStore().get(at.session_state[keys.ACTIVE].workspace)
    assert saved.spec["favorable"] == "negative"


def test_switching_the_prediction_kind_keeps_the_draft():
    """Streamlit forgets the widgets a run does not draw (the score columns while the kind is
    "metric"); the draft survives that, and a visit to another page."""
    from .conftest import new_app

    at = new_app()
    upload(at, "preds.csv", predictions_csv(300))
    at.radio(key=keys.W_DATA_KIND).set_value("metric").run()
    at.multiselect(key=keys.W_DATA_METRIC).set_value(["score"]).run()
    at.run()
    assert at.radio(key=keys.W_DATA_KIND).value == "metric"
    assert at.multiselect(key=keys.W_DATA_METRIC).value == ["score"]
    at.radio(key=keys.W_DATA_KIND).set_value("score").run()
    assert at.multiselect(key=keys.W_DATA_SCORE).value == ["score"]
    at.switch_page("pages/equity.py").run()
    at.switch_page("pages/data.py").run()
    assert at.radio(key=keys.W_DATA_KIND).value == "score"
    assert not any("not applied yet" in readable(i.value) for i in at.info), \
        "the draft is the mapping"


def test_frame_cache_is_bounded_in_bytes_per_session_and_in_total():
    """Frames are kept one copy per content, within a session budget and a total budget,
    least recently used first, and dropped when no live session uses them."""
    import numpy as np

    from fairlens.ui._cache import FrameCache, frame_bytes

    def frame(seed: int) -> pd.DataFrame:
        return pd.DataFrame({"x": np.random.default_rng(seed).random(125_000)})  # ~1 MB

    size = frame_bytes(frame(0))
    live = {"a", "b"}
    cache = FrameCache(total_bytes=int(3.5 * size), session_bytes=int(2.5 * size),
                       alive=lambda owner: owner in live)
    loads: list[str] = []

    def load(key: str):
        def run() -> pd.DataFrame:
            loads.append(key)
            return frame(int(key[1:]))
        return run

    for key in ("k1", "k2", "k3"):
        cache.get(key, "a", load(key))
    assert cache.keys() == ["k2", "k3"] and cache.owner_bytes("a") == 2 * size
    cache.get("k3", "b", load("k3"))  # the same content for another session: one copy
    assert loads == ["k1", "k2", "k3"] and cache.used_bytes() == 2 * size
    cache.get("k4", "b", load("k4"))
    cache.get("k5", "b", load("k5"))
    assert cache.used_bytes() <= 3.5 * size and cache.owner_bytes("b") <= 2.5 * size
    assert "k2" not in cache.keys(), "the least recently used frame went first"
    live.discard("b")  # b's tab was closed
    cache.get("k3", "a", load("k3"))
    assert cache.keys() == ["k3"] and cache.used_bytes() == size
    big = FrameCache(total_bytes=size // 2, session_bytes=size // 2, alive=lambda o: True)
    big.get("k1", "a", load("k1"))
    big.get("k1", "a", load("k1"))
    assert big.keys() == [] and loads[-2:] == ["k1", "k1"], "a frame over budget is not kept"


def test_an_upload_is_kept_for_its_session_only(monkeypatch):
    from fairlens.ui import _cache

    from .conftest import new_app

    at = new_app()
    upload(at, "mine.csv", predictions_csv(n=800))
    at.switch_page("pages/data.py").run()
    key = at.session_state[keys.ACTIVE].key
    cache = _cache.frame_cache()
    assert key in cache.keys()
    owners = cache._entries[key].owners
    held = {k: e.owners for k, e in cache._entries.items()}
    assert len(owners) == 1 and "(built-in sample)" not in owners, held
    assert cache.owner_bytes(next(iter(owners))) >= _cache.frame_bytes(
        fairlens.read_table(predictions_csv(n=800)))
