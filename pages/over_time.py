"""Over time page: every group metric and disparity window by window, with intervals, the
detected changes marked and in words, and any one window opened on the other pages."""

from __future__ import annotations

import streamlit as st

from fairlens import ui
from fairlens.ui import over_time_page as P

md = ui.fmt.md

ui.page_header(
    "Over time",
    "How every group metric and every disparity moved, window by window (a day, week, month "
    "or quarter, a fixed number of rows, or a batch), each with its 95% interval, and which "
    "changes are real rather than noise: every window is tested against the baseline and "
    "against the window before, with Benjamini-Hochberg over all windows and measures.",
    fragments=P.FRAGMENT)

data = ui.active()
if data.kind == "subset":
    st.info(f"Every page now audits one window only: **{md(data.name)}** "
            f"({data.n_rows:,} rows).", icon=":material/filter_alt:")
    left, right = st.columns([1, 3])
    left.button("Back to all rows", key=P.W_BACK, icon=":material/undo:",
                on_click=P.close_subset)
    right.page_link(ui.keys.PAGE_FAIRNESS, label="Audit this window on the Fairness page",
                    icon=":material/balance:")

spec = ui.current_spec()
problem = ui.mapping_problem(spec)
if problem:
    ui.stop_with(problem)
if not spec.time:
    st.info(P.NO_TIME, icon=":material/schedule:")
    ui.data_page_link()

kinds = P.window_kinds(bool(spec.time))
with st.container(border=True):
    c1, c2, c3 = st.columns([3, 1, 1])
    ui.keys.restore_widget(P.W_WINDOW, "month" if "month" in kinds else kinds[0], kinds)
    kind = c1.segmented_control("Window", kinds, format_func=P.WINDOW_LABELS.get,
                                required=True, **ui.kept(P.W_WINDOW)) or kinds[0]
    rows = c2.number_input("Rows per window", min_value=2, value=P.default_rows(data.n_rows),
                           step=100, key=P.W_ROWS, disabled=kind != "rows",
                           help="Only for the Rows window: consecutive rows in time order "
                                "(file order without a time column).")
    baseline = c3.number_input("Baseline windows", min_value=1, value=1, step=1,
                               key=P.W_BASELINE,
                               help="The first k windows, pooled, are the baseline that every "
                                    "later window is compared with.")

with ui.guarded("over time"):
    drift = P.compute(P.window_text(kind, int(rows)), int(baseline))
st.markdown(P.summary(drift))
ui.show_warnings(drift.warnings)


def _valid(key: str, ok, default) -> None:
    """Reset a multi-value widget whose kept value the new options no longer allow."""
    if key in st.session_state and not ok(st.session_state[key]):
        st.session_state[key] = default


@st.fragment
def results() -> None:
    """Charts, changes, the windows table and one window, from the cached analysis."""
    labels = [w.label for w in drift.windows]
    _valid(P.W_RANGE, lambda v: all(x in labels for x in v), (labels[0], labels[-1]))
    first, last = st.select_slider("Windows shown", options=labels, format_func=md,
                                   value=(labels[0], labels[-1]), key=P.W_RANGE)
    shown = (labels.index(first), labels.index(last))
    names = P.groupings(drift)
    ui.keys.restore_widget(P.W_GROUPING, names[0], names)
    grouping = st.segmented_control("Attribute", names, required=True, format_func=md,
                                    **ui.kept(P.W_GROUPING)) or names[0]

    metrics = P.group_metrics(drift, grouping)
    sizes = P.group_sizes(drift, grouping)
    groups = list(sizes)
    c1, c2 = st.columns([1, 3])
    ui.keys.restore_widget(P.W_METRIC, metrics[0], metrics)
    metric = c1.selectbox("Group metric", metrics, format_func=P.measure_label,
                          **ui.kept(P.W_METRIC))
    start = P.default_groups(sizes)
    _valid(P.W_GROUPS, lambda v: set(v) <= set(groups), start)
    picked = c2.multiselect("Groups", groups, default=start, key=P.W_GROUPS,
                            help="The groups with at least 5% of the rows are drawn first.")
    lines = P.group_series(drift, grouping, metric, picked, shown)
    marks = P.changes_of(drift, grouping, [metric], picked, shown)
    ui.chart(P.timeline(lines, marks, title=f"{P.measure_label(metric)} by group "
                                                    f"({grouping})"),
                    key="over_time_groups_chart")

    measures = P.disparity_measures(drift, grouping)
    default = [m for m in P.DEFAULT_MEASURES if m in measures][:2] or measures[:1]
    _valid(P.W_MEASURES, lambda v: set(v) <= set(measures), default)
    chosen = st.multiselect("Disparities and equity measures", measures, default=default,
                            format_func=P.measure_label, key=P.W_MEASURES)
    lines = {P.measure_label(m): P.series(drift, grouping, m, None, shown) for m in chosen}
    marks = P.changes_of(drift, grouping, chosen, [None], shown)
    ui.chart(P.timeline(lines, marks, title=f"Disparities ({grouping})"),
                    key="over_time_disparities_chart")
    st.caption("Lines: the value in each window; bands: its 95% interval; black crosses: the "
               "changes detected there (hover for the sentence). Groups below the minimum size "
               "in a window have wide bands.")

    st.subheader("Detected changes")
    found = [c for c in drift.changes if shown[0] <= c.window_index <= shown[1]]
    if not found:
        st.success(f"No change was detected between {md(first)} and {md(last)}.",
                   icon=":material/check_circle:")
    for c in found[:25]:
        st.markdown(f"- {md(c.description)}")
    if len(found) > 25:
        with st.expander(f"{len(found) - 25} more changes"):
            st.markdown("\n".join(f"- {md(c.description)}" for c in found[25:]))

    st.subheader("Windows")
    ui.table(P.windows_table(drift, shown))

    st.subheader("Majority against minority across windows")
    with ui.guarded("model comparison", stop=False):
        compared = P.model_comparison(drift, grouping=grouping, groups=picked)
        ui.chart(compared.figure(grouping), key="over_time_curve")
        for line in compared.summary_lines()[1:]:
            st.markdown(f"- {md(line)}")


results()

st.subheader("Audit one window")
labels = [w.label for w in drift.windows]
_valid(P.W_FOCUS, lambda v: v in labels, labels[-1])
focus = st.select_slider("Window", options=labels, value=labels[-1], key=P.W_FOCUS,
                         format_func=md)
st.button("Audit this window on the other pages", key=P.W_OPEN, icon=":material/filter_alt:",
          on_click=P.open_window, args=(drift, labels.index(focus)),
          help="Every page (Fairness, Equity, Slices, Report ...) then audits only the rows of "
               "this window; come back here to return to all rows.")
