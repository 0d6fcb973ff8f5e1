"""Data page: samples, uploads, the proposed mapping, and clear messages for bad input."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

import fairlens
from fairlens import wording as fmt
from fairlens.ui import keys

from .conftest import predictions_csv, table_frame, upload


def texts(at, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def test_sample_preview_and_proposed_mapping(app):
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Data"]
    assert any("7,214 rows x 14 columns" in m.value for m in app.markdown)
    assert app.main.dataframe[0].value.shape == (100, 14)
    assert app.selectbox(key="data_map_label").value == "two_year_recid"
    assert app.multiselect(key="data_map_score").value == ["score"]
    assert app.multiselect(key="data_map_sensitive").value == ["race", "sex", "age_cat"]
    assert any("The mapping fits the data: 7,214 rows" in s for s in texts(app, "success"))
    assert not app.file_uploader, "the sample view has no uploader"
    app.radio(key="data_source").set_value("Upload a file").run()
    limit = st.get_option("server.maxUploadSize")
    assert any(f"Files up to **{limit} MB**" in c.value for c in app.caption)


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
    assert any("not applied yet" in i.value for i in at.info)
    at.radio(key="data_map_score_kind").set_value("raw").run()
    at.number_input(key="data_map_threshold").set_value(0.4).run()
    at.button(key="data_apply").click().run()
    assert not at.exception
    spec = at.session_state[keys.SPEC]
    assert spec.sensitive == ["race"] and spec.score_kind == "raw" and spec.threshold == 0.4
    assert not any("not applied yet" in i.value for i in at.info)
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
