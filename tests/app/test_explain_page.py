"""The Explain page (AppTest): it shows the library's explanation of COMPAS (a surrogate, with
its fidelity) and of the Adult sample's model (flip test), and refuses an untrusted pickle."""

from __future__ import annotations

import hashlib
import pickle

import numpy as np
import pandas as pd
import pytest

from fairlens.data import AuditSpec
from fairlens.datasets import ADULT_AUDIT, COMPAS_AUDIT, adult_model, load_adult, load_compas
from fairlens.explain import explain_spec
from fairlens.ui import explain_page as X
from tests.app.conftest import new_app

PAGE = X.PAGE


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


def frame_with(at, column: str) -> pd.DataFrame:
    for element in at.main.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with {column!r}")


def pickle_checkboxes(at):
    """The "I trust this file" checkboxes on the page (one per upload of a pickle)."""
    return [c for c in at.main.checkbox if c.key.startswith(X.W_TRUST_PICKLE)]


def open_explain(sample: str | None = None, source: str | None = None):
    """The Explain page on a sample; ``source`` chosen before its first run (so that choosing
    an upload does not first explain the default)."""
    at = new_app().run()
    assert not at.exception, at.exception
    if sample:
        at.switch_page("pages/data.py").run()
        at.selectbox(key="data_sample").set_value(sample).run()
        at.button(key="data_open_sample").click().run()
        assert not at.exception, at.exception
    if source:
        at.session_state[X.W_SOURCE] = source
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def compas_result():
    """The library's explanation with the page's defaults."""
    return explain_spec(load_compas(), AuditSpec(**COMPAS_AUDIT), attribute="race",
                        group_a="African-American", group_b="Caucasian", sample_size=2000,
                        seed=0)


def test_compas_explains_a_surrogate_and_shows_its_fidelity(compas_result):
    at = open_explain()
    assert at.radio(key=X.W_SOURCE).value == X.SOURCE_SURROGATE
    shown = metric_values(at)
    assert shown["Explaining"] == "a surrogate"
    fid = compas_result.fidelity
    assert shown["Surrogate fidelity R\u00b2"] == f"{fid.r2:.3f}"
    assert shown["Decision agreement"] == f"{fid.agreement:.1%}"
    assert shown["Rows explained (of 7,214)"] == f"{compas_result.sample_size:,}"
    assert float(shown["Additivity error"]) < 1e-6
    captions = " ".join(c.value for c in at.main.caption)
    assert "Of a **surrogate** of **score**" in captions
    assert any("these are explanations of a surrogate" in w.value for w in at.main.warning)
    # Importance table: the library's numbers, all rows and per group.
    imp = frame_with(at, "All rows")
    assert list(imp["Feature"]) == list(compas_result.importance.index)
    np.testing.assert_allclose(imp["All rows"], compas_result.importance.round(4).to_numpy())
    by = compas_result.importance_by_group["race"]
    np.testing.assert_allclose(imp["Caucasian"],
                               by.loc["Caucasian", imp["Feature"]].round(4).to_numpy())
    # Gap decomposition: contributions sum to the gap shown in the sentence.
    gap = frame_with(at, "Contribution")
    assert gap["Contribution"].sum() == pytest.approx(compas_result.gap.gap, abs=1e-3)
    sentence = " ".join(m.value for m in at.main.markdown)
    assert f"a gap of **{compas_result.gap.gap:+.3f}**" in sentence
    # race is not an input of the surrogate: the proxy check is shown instead of the flip test.
    assert f"AUC **{compas_result.proxy.auc:.3f}**" in sentence
    proxy = frame_with(at, "AUC drop when shuffled")
    assert list(proxy["Feature"]) == list(compas_result.proxy.features)
    # One row: SHAP values next to LIME weights, summing to the row's output.
    row = frame_with(at, "LIME weight")
    assert set(row["Feature"]) == set(compas_result.features)
    first = compas_result.shap_values.index[0]
    expected = compas_result.outputs[0] - compas_result.base_value
    assert row["SHAP value"].sum() == pytest.approx(expected, abs=1e-3)
    assert str(first) in sentence


def test_surrogate_reading_the_attribute_gets_the_flip_test():
    at = open_explain()
    at.checkbox(key=X.W_SURROGATE_SENSITIVE).check().run()
    assert not at.exception, at.exception
    spec = AuditSpec(**COMPAS_AUDIT)
    feats = list(spec.features) + ["race", "sex", "age_cat"]
    expected = explain_spec(load_compas(), spec, attribute="race", group_a="African-American",
                            group_b="Caucasian", features=feats)
    assert expected.flip is not None and expected.proxy is None
    flip = frame_with(at, "Decisions that change")
    assert list(flip["Decisions that change"]) == list(expected.flip.by_group["flipped"])
    assert any("surrogate" in c.value for c in at.main.caption)


def test_changing_groups_recomputes_the_gap():
    at = open_explain()
    at.selectbox(key=X.W_GROUP_B).set_value("Hispanic").run()
    assert not at.exception
    from fairlens.wording import md

    assert any(h.value.startswith(f"Why {md('African-American')} and Hispanic")
               for h in at.main.subheader)
    at.selectbox(key=X.W_GROUP_B).set_value("African-American").run()
    assert any("two different groups" in i.value for i in at.main.info)


def test_adult_sample_model_flip_test():
    at = open_explain("adult")
    assert at.radio(key=X.W_SOURCE).value == X.SOURCE_SAMPLE
    assert metric_values(at)["Explaining"] == "the model"
    assert metric_values(at)["SHAP method"] == "TreeExplainer"
    expected = explain_spec(load_adult(), AuditSpec(**ADULT_AUDIT), model=adult_model(),
                            attribute="sex", group_a="Male", group_b="Female")
    flip = frame_with(at, "Decisions that change")
    assert list(flip["Group"]) == list(expected.flip.by_group["group"])
    assert list(flip["Decisions that change"]) == list(expected.flip.by_group["flipped"])
    rows = frame_with(at, "Score after flip")
    assert len(rows) == len(expected.flip.rows)
    text = " ".join(m.value for m in at.main.markdown)
    assert f"**{expected.flip.share:.1%}** of the decisions" in text
    # the row shown first is the first flipped row; its SHAP values add up to its output
    first = int(expected.flip.rows["row"].iloc[0])
    assert at.number_input(key=X.W_ROW).value == first
    assert f"Row **{first}**" in text
    # any row of the data, also outside the explained sample
    outside = next(i for i in range(16281) if i not in expected.shap_values.index)
    at.number_input(key=X.W_ROW).set_value(outside).run()
    assert not at.exception
    table = frame_with(at, "LIME weight")
    one = adult_model().decision_function(load_adult().loc[[outside], expected.features])[0]
    assert table["SHAP value"].sum() == pytest.approx(one - expected.base_value, abs=1e-3)


class _CreatesFile:
    """Unpickling this object creates a file: code runs on load."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_untrusted_pickle_upload_is_not_loaded(tmp_path):
    marker = tmp_path / "pwned.txt"
    at = open_explain(source=X.SOURCE_UPLOAD)
    assert not at.exception
    at.file_uploader(key=X.W_UPLOAD).upload(
        "model.pkl", pickle.dumps(_CreatesFile(str(marker))), "application/octet-stream").run()
    assert not at.exception, at.exception
    assert any("runs the code inside it" in w.value for w in at.main.warning)
    digest = hashlib.sha256(pickle.dumps(_CreatesFile(str(marker)))).hexdigest()
    assert [(b.key.startswith(X.trust_key(digest)), b.value) for b in pickle_checkboxes(at)] == [
        (True, False)]
    assert not at.main.metric  # nothing explained
    assert not marker.exists()


def upload_adult_model(path):
    """The Adult sample's Explain page with the model file at ``path`` uploaded."""
    at = open_explain("adult", source=X.SOURCE_UPLOAD)
    at.file_uploader(key=X.W_UPLOAD).upload(path.name, path.read_bytes(),
                                            "application/octet-stream").run()
    assert not at.exception, at.exception
    return at


def test_skops_upload_needs_the_types_accepted(tmp_path):
    import skops.io as sio

    path = tmp_path / "adult.skops"
    sio.dump(adult_model(), path)
    at = upload_adult_model(path)
    assert any("TreePredictor" in w.value for w in at.main.warning)
    assert any("TreePredictor" in e.value for e in at.main.error)  # not accepted yet
    assert not at.main.metric
    types = at.multiselect(key=X.types_key(hashlib.sha256(path.read_bytes()).hexdigest()))
    types.set_value(list(types.options)).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.main.metric}["Explaining"] == "the model"
    from fairlens.wording import md

    assert any(md("skops model adult.skops") in c.value for c in at.main.caption)


def test_a_failing_explanation_is_a_message_not_a_crash(monkeypatch):
    """A non-input error of the explainer is said in the page, in the report's words."""

    def fails(*args, **kwargs):
        raise ValueError("window shape cannot be larger than input array shape")

    monkeypatch.setattr(X, "explanation", fails)
    at = open_explain()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "The explain analysis could not run: ValueError: window shape cannot be larger than "
        "input array shape"]


# --- per-file trust, private copies, budgets ---------------------------------------------------


def test_trust_is_given_to_one_file_only(tmp_path, monkeypatch):
    """Trusting adult.joblib trusts those bytes only: another pickle, the same name with other
    content, or any file uploaded after removing it asks again, and its code does not run
    (before: one checkbox key for every file, still ticked, and the second file ran at once).
    Every upload is read from a private copy that is removed afterwards; messages name the
    user's file."""
    import tempfile

    import joblib

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    path = tmp_path / "adult.joblib"
    joblib.dump(adult_model(), path)
    at = upload_adult_model(path)
    assert not at.main.metric
    [box] = pickle_checkboxes(at)
    assert box.key.startswith(X.trust_key(hashlib.sha256(path.read_bytes()).hexdigest()))
    box.check().run()
    assert not at.exception, at.exception
    shown = metric_values(at)
    assert shown["Explaining"] == "the model" and shown["SHAP method"] == "TreeExplainer"
    assert any("Decisions that change" in d.value.columns for d in at.main.dataframe)
    assert list(private.iterdir()) == [], "the private copy of the upload is removed"
    assert at.session_state["fl_runs"]["runs"]["explain"] == {
        "model": "file", "model_name": "adult.joblib",
        "model_sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "trust_pickle": True,
        "trusted_types": [], "attribute": "sex", "group_a": "Male", "group_b": "Female",
        "sample_size": 2000, "seed": 0}

    marker = tmp_path / "pwned.txt"
    evil = pickle.dumps(_CreatesFile(str(marker)))
    for name in ("other.joblib", "adult.joblib"):  # another file; the same name, other bytes
        at.file_uploader(key=X.W_UPLOAD).set_value((name, evil, "application/octet-stream"))
        at.run()
        assert not at.exception, at.exception
        assert not marker.exists(), f"{name}: the new file's code ran without a confirmation"
        [box] = pickle_checkboxes(at)
        assert box.key.startswith(X.trust_key(hashlib.sha256(evil).hexdigest()))
        assert box.value is False and not at.main.metric
        assert any(f"this content (SHA-256 `{hashlib.sha256(evil).hexdigest()[:16]}`)"
                   in w.value for w in at.main.warning)
    # removed, then uploaded again: that upload asks again too
    at.file_uploader(key=X.W_UPLOAD).clear().run()
    assert not at.main.metric
    at.file_uploader(key=X.W_UPLOAD).set_value(
        (path.name, path.read_bytes(), "application/octet-stream")).run()
    assert [b.value for b in pickle_checkboxes(at)] == [False] and not at.main.metric

    at.file_uploader(key=X.W_UPLOAD).set_value(
        ("my model.onnx", b"\x08\x01garbage", "application/octet-stream")).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.main.error).replace("\\", "")
    assert "my model.onnx is not a readable ONNX model" in errors
    assert str(private) not in errors and "fairlens-model" not in errors
    assert list(private.iterdir()) == []


def test_private_copy_is_only_for_this_account(tmp_path, monkeypatch):
    import stat
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with X.private_copy("../../etc/x y.joblib", b"123") as path:
        assert path.name == "x_y.joblib" and path.parent.parent == tmp_path
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not path.parent.exists()


def test_skops_bomb_upload_is_refused_at_once(tmp_path):
    import time
    import tracemalloc

    from tests.explain.test_models import make_skops_bomb

    bomb = make_skops_bomb(tmp_path / "bomb.skops")
    at = open_explain("adult", source=X.SOURCE_UPLOAD)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        at.file_uploader(key=X.W_UPLOAD).upload(bomb.name, bomb.read_bytes()).run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 30
    assert peak < 500 * 2**20
    assert not at.exception
    assert any("bomb.skops would take 1,536 MiB of memory once unpacked" in
               e.value.replace("\\", "") for e in at.main.error)
    assert not at.main.metric


def test_explain_records_its_run_and_says_whose_score_a_row_shows():
    at = open_explain()
    runs = at.session_state["fl_runs"]["runs"]
    assert runs["explain"] == {"model": "surrogate", "attribute": "race",
                               "group_a": "African-American", "group_b": "Caucasian",
                               "sample_size": 2000, "seed": 0,
                               "features": list(AuditSpec(**COMPAS_AUDIT).features)}
    text = " ".join(m.value for m in at.main.markdown)
    row = at.number_input(key=X.W_ROW).value
    score = load_compas().loc[row, "score"]
    assert f"Row **{row}**: the surrogate's " in text
    assert f"The file's score (score) of this row is **{score:.4f}**" in text
    assert "is the surrogate's " in text and ", not the file's." in text


PAYLOADS = ["![t](http://127.0.0.1:9/x.png)", "[link](http://127.0.0.1:9/)", "a\n# HEAD",
            ":red[x]", "$\\href{http://127.0.0.1:9}{x}$"]


def test_user_values_render_as_literal_text_on_the_explain_page():
    """Group values such as ``[link](...)`` are escaped in every sentence of the page."""
    from fairlens.wording import md
    from tests.app.conftest import upload

    rng = np.random.default_rng(1)
    n = 1500
    group = rng.choice(["[link](http://127.0.0.1:9/)", "![t](http://127.0.0.1:9/x.png)"], n)
    income = rng.normal(50, 10, n).round(1)
    y = (rng.random(n) < 0.4).astype(int)
    score = (1 / (1 + np.exp(-(income - 50) / 10 - (y - 0.5)))).round(3)
    frame = pd.DataFrame({"label": y, "score": score, "race": group, "income": income})
    at = new_app().run()
    upload(at, "payload.csv", frame.to_csv(index=False).encode())
    at.multiselect(key="data_map_sensitive").set_value(["race"]).run()
    at.button(key="data_apply").click().run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.main.markdown] + [h.value for h in at.main.subheader] + [
        c.value for c in at.main.caption]
    gap = next(t for t in shown if t.startswith("Mean "))
    assert md("[link](http://127.0.0.1:9/)") in gap and "](http" not in gap.replace("\\]", "")
    assert not any("](http://127.0.0.1:9" in t for t in shown)
