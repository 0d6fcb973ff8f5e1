"""Equity page: ES and PSD with intervals, the minimum group size, and model comparison."""

from __future__ import annotations

import io

import fairlens
from fairlens import wording as fmt
from fairlens.datasets import COMPAS_AUDIT, SEGMENTATION_AUDIT, load_compas, load_segmentation

from .conftest import new_app, predictions_csv, readable, table_frame, upload


def equity_rows(audit: fairlens.Audit, grouping: str) -> list[list[str]]:
    return fmt.equity_table(audit.equity, grouping).astype(str).values.tolist()


def shown_rows(at, index: int = 0) -> list[list[str]]:
    table = table_frame(at, index)
    return table.reset_index().astype(str).values.tolist()


def test_es_and_psd_of_compas(app):
    app.switch_page("pages/equity.py").run()
    assert not app.exception
    assert [readable(t.value) for t in app.title] == ["Equity"]
    expected = fairlens.audit(load_compas(), **COMPAS_AUDIT)
    assert shown_rows(app) == equity_rows(expected, "race")
    shown = table_frame(app)
    assert list(shown.reset_index().columns) == ["Metric", "Overall", "Equity-scaled (ES)",
                                                 "PSD (std)", "PSD (max - min)", "Harmony",
                                                 "Groups used"]
    explanation = "\n".join(readable(e.value) for e in app.markdown)
    assert "small groups inflate them" in explanation.lower()
    assert any("Native American (n = 18)" in readable(c.value) for c in app.caption)
    app.segmented_control(key="equity_grouping").set_value("sex").run()
    assert shown_rows(app) == equity_rows(expected, "sex")


def test_minimum_group_size_changes_es_and_is_shared_with_the_sidebar(app):
    app.switch_page("pages/equity.py").run()
    app.number_input(key="equity_min_group_size").set_value(10).run()
    assert not app.exception
    expected = fairlens.audit(load_compas(), **COMPAS_AUDIT, min_group_size=10)
    assert shown_rows(app) == equity_rows(expected, "race")
    assert table_frame(app).reset_index()["Groups used"].tolist() == [6, 6]
    assert app.sidebar.number_input(key="sidebar_min_group_size").value == 10
    app.sidebar.number_input(key="sidebar_min_group_size").set_value(100).run()
    assert app.number_input(key="equity_min_group_size").value == 100
    larger = fairlens.audit(load_compas(), **COMPAS_AUDIT, min_group_size=100)
    assert shown_rows(app) == equity_rows(larger, "race")


def test_es_dice_and_iou_of_the_segmentation_sample(app):
    app.switch_page("pages/data.py").run()
    app.selectbox(key="data_sample").set_value("segmentation").run()
    app.button(key="data_open_sample").click().run()
    app.switch_page("pages/equity.py").run()
    assert not app.exception
    expected = fairlens.audit(load_segmentation(), **SEGMENTATION_AUDIT)
    assert shown_rows(app) == equity_rows(expected, "race")
    assert table_frame(app).reset_index()["Metric"].tolist() == ["Dice", "IoU"]


def test_model_comparison_ranks_and_scatter():
    at = new_app().run()
    content = predictions_csv(models=3)
    upload(at, "three_models.csv", content)
    assert at.multiselect(key="data_map_score").value == ["score", "score_2", "score_3"]
    at.switch_page("pages/equity.py").run()
    assert not at.exception
    expected = fairlens.audit(io.BytesIO(content).getvalue(), label="label",
                              score=["score", "score_2", "score_3"], sensitive=["race", "sex"])
    compare = expected.compare_models()
    by_overall = table_frame(at, 1).reset_index()
    assert by_overall["Model"].tolist() == compare.sort_values(
        "auc", ascending=False)["model"].tolist()
    assert by_overall["Overall AUC"].tolist() == [
        fmt.fmt(v) for v in compare.sort_values("auc", ascending=False)["auc"]]
    by_es = table_frame(at, 2).reset_index()
    es_col = "es_auc [race]"
    assert by_es["Model"].tolist() == compare.sort_values(es_col, ascending=False)[
        "model"].tolist()
    assert by_es["ES-AUC"].tolist() == [
        fmt.fmt(v) for v in compare.sort_values(es_col, ascending=False)[es_col]]
    assert any(c.proto.spec and "largest group vs the other groups" in c.proto.spec
               for c in at.get("plotly_chart"))
    from fairlens.drift import model_comparison

    compared = model_comparison(expected, metric="auc", grouping="race")
    by_harmony = table_frame(at, 3).reset_index()
    ranked = compared.ranking.sort_values("harmony [race]", ascending=False)
    assert by_harmony["Model"].tolist() == ranked["model"].tolist()
    assert by_harmony["Harmony"].tolist() == [fmt.fmt(v) for v in ranked["harmony [race]"]]
    words = "\n".join(readable(m.value) for m in at.main.markdown)
    assert "3 models: too few models to compare a line with a curve" in words
