"""Equity page: equity-scaled metrics, performance-scaled disparity, harmony, model comparison."""

from __future__ import annotations

import streamlit as st

from fairlens import ui
from fairlens.ui import fmt, plots
from fairlens.ui import keys as K
from fairlens.ui.over_time_page import model_comparison

ui.page_header(
    "Equity",
    "One number per attribute that rewards a model for performing well **and** evenly across "
    "groups, and one that measures the spread between groups relative to overall performance.",
    fragments=K.EQUITY_FRAGMENT)

with st.expander("What do ES, PSD and harmony mean?", expanded=True):
    st.markdown(
        r"""
**Equity-scaled metric (ES).** For a metric $M$ where higher is better (AUC, accuracy, Dice,
IoU), $\mathrm{ES}\text{-}M = \dfrac{M_\text{overall}}{1 + \sum_g |M_g - M_\text{overall}|}$.
It equals $M_\text{overall}$ when every group performs exactly as well as the whole population,
and it falls as groups drift apart. $M_\text{overall}$ is computed on all rows, not averaged
over groups (as in FairSeg, FairCLIP and Harvard-EF).

**Performance-scaled disparity (PSD).** $\mathrm{PSD}_\text{std} = \mathrm{std}_g(M_g) /
M_\text{overall}$ (population standard deviation) and $\mathrm{PSD}_\text{max} =
(\max_g M_g - \min_g M_g) / M_\text{overall}$. Zero means no disparity; 0.10 means the groups
are spread by a tenth of the overall performance.

**Harmony** (*The Flaw of Averages*, Uzunoglu et al. 2025). The normalized entropy of the
metric's distribution over the $K$ groups: with $p_g = M_g / \sum_h M_h$,
$H = -\sum_g p_g \ln p_g \,/\, \ln K$. It is 1 when every group performs the same and falls
as the performance concentrates in fewer groups; it ignores the order of the groups and the
scale of the metric.

**Why small groups inflate them.** Every group adds its own deviation to the sum in ES, and
PSD-max is set by the two most extreme groups. The metric of a group of 18 people is very
noisy: it lands far from the overall value by chance alone, which lowers ES and raises PSD even
when the model treats that group no differently. That is why every number below comes with its
95% confidence interval and the number of groups used, and why groups smaller than the
**minimum group size** are left out. Raise the minimum to see how much of the disparity the
smallest groups account for.
""")

control = st.columns([1, 3])[0]
ui.min_group_size_input(K.W_EQUITY_MIN_GROUP, container=control)


@st.fragment(key=K.EQUITY_FRAGMENT)
def results() -> None:
    """ES/PSD tables, the per-group values behind them and the model comparison."""
    audit = ui.audit_or_stop()
    settings = ui.current_settings()
    st.markdown(ui.dataset_caption(audit))
    equity = audit.equity
    if equity.empty:
        st.info("This audit has no metric for which ES and PSD are defined (AUC, accuracy or a "
                "per-sample metric).")
        return
    groupings = list(dict.fromkeys(equity["grouping"]))
    K.restore_widget(K.W_EQUITY_GROUPING, groupings[0], groupings)
    grouping = st.segmented_control("Attribute", options=groupings, required=True,
                                    format_func=fmt.md, **K.kept(K.W_EQUITY_GROUPING))
    grouping = grouping or groupings[0]
    st.subheader(f"ES, PSD and harmony: {fmt.md(grouping)}")
    if len(audit.models) > 1:
        st.caption(f"Model **{fmt.md(next(iter(audit.models)))}** (the first score column); the "
                   "model comparison below covers every model.")
    ui.static_table(fmt.equity_table(equity, grouping).set_index("Metric"))
    st.caption("Value [95% confidence interval]. ES: higher is better, at most the overall "
               "value. PSD: lower is better, 0 when all groups are equal. Harmony: higher is "
               "better, 1 when all groups are equal. Groups used: groups at or above the minimum "
               f"size ({settings['min_group_size']}) with a defined value.")

    by_group = audit.by_group
    rows = fmt.group_rows(by_group, grouping)
    metrics = list(dict.fromkeys(equity.loc[equity["grouping"] == grouping, "metric"]))
    overall = {m: float(equity.loc[(equity["grouping"] == grouping) & (equity["metric"] == m),
                                   "overall"].iloc[0]) for m in metrics}
    ui.chart(
        plots.group_metric_bars(rows, metrics, labels=fmt.METRIC_LABELS, line=overall,
                                line_label="overall value (all rows)", columns=2,
                                outline_reference=False),
        key="equity_bars")
    st.caption("The numbers behind ES and PSD: each group's value with its 95% interval; dashed "
               "line: the overall value on all rows; grey bars: groups below the minimum size.")
    small = rows[rows["small"]]
    if len(small):
        st.caption("Left out as smaller than the minimum group size: " + fmt.names(
            f"{fmt.md(g)} (n = {fmt.fmt_int(n)})"
            for g, n in zip(small["group"], small["n"], strict=True)) + ".")

    st.subheader("Model comparison")
    if len(audit.models) < 2:
        st.info("The data holds one model. Map several score columns on the Data page (one per "
                "model) to rank models by overall performance and by equity side by side.",
                icon=":material/info:")
        return
    compare = audit.compare_models()
    es_columns = [c for c in compare.columns if c.startswith("es_")]
    metric_names = list(dict.fromkeys(c[3:].split(" [")[0] for c in es_columns))
    cgroupings = list(dict.fromkeys(c.split(" [", 1)[1].rstrip("]") for c in es_columns))
    pick = st.columns(2)
    if st.session_state.get(K.W_EQUITY_COMPARE_METRIC) not in metric_names:
        st.session_state[K.W_EQUITY_COMPARE_METRIC] = metric_names[0]
    metric = pick[0].selectbox("Metric", metric_names, key=K.W_EQUITY_COMPARE_METRIC,
                               format_func=fmt.metric_label)
    if st.session_state.get(K.W_EQUITY_COMPARE_GROUPING) not in cgroupings:
        st.session_state[K.W_EQUITY_COMPARE_GROUPING] = grouping if grouping in cgroupings else \
            cgroupings[0]
    cgrouping = pick[1].selectbox("Attribute", cgroupings, key=K.W_EQUITY_COMPARE_GROUPING)
    es_col = f"es_{metric} [{cgrouping}]"
    compared = model_comparison(audit, metric=metric, grouping=cgrouping)
    left, middle, right = st.columns(3)
    with left:
        st.markdown(f"**Ranked by overall {fmt.metric_label(metric)}**")
        ui.static_table(fmt.ranking_table(compare, metric,
                                          f"Overall {fmt.metric_label(metric)}")
                        .set_index("Model"))
    with middle:
        st.markdown(f"**Ranked by {fmt.es_label(metric)} ({fmt.md(cgrouping)})**")
        ui.static_table(fmt.ranking_table(compare, es_col, fmt.es_label(metric))
                        .set_index("Model"))
    with right:
        st.markdown(f"**Ranked by harmony of {fmt.metric_label(metric)} "
                    f"({fmt.md(cgrouping)})**")
        ui.static_table(fmt.ranking_table(compared.ranking, f"harmony [{cgrouping}]",
                                          "Harmony").set_index("Model"))
    st.caption("A model that ranks lower by ES or harmony than by the overall metric buys its "
               "overall performance with uneven performance across groups.")
    figure = plots.model_scatter(compare, metric, cgrouping, label=fmt.metric_label(metric))
    if figure is not None:
        ui.chart(figure, key="equity_scatter")
        st.caption("One point per model. Points below the diagonal perform worse for the "
                   "smaller groups (mean over groups at or above the minimum size) than for the "
                   "largest group.")
    st.markdown("**Majority against each other group, with fitted curves**")
    ui.chart(compared.figure(cgrouping), key="equity_curve")
    for fit in compared.fits:
        st.markdown(f"- {fmt.md(fit.sentence(compared.metric))}")


results()
