"""Remedies page: fixes for a measured disparity with their price, on held-out rows."""

from __future__ import annotations

import streamlit as st

from fairlens import remedies as fr
from fairlens import ui
from fairlens.ui import remedies_page as R
from fairlens.wording import fmt, md, measure_label

ui.page_setup()
st.title("Remedies")
st.markdown(
    "What would reduce the disparity, and what would it cost? Each remedy is fitted on one "
    "part of the rows and audited on the **held-out** rest, so the numbers below are what to "
    "expect on new data. Group thresholds only need the model's scores; the other remedies "
    "retrain a model on the mapped feature columns.")

spec = ui.current_spec()

if spec.task != "binary" or not spec.label or not (spec.score or spec.pred):
    ui.stop_with("Remedies need a binary label and the model's score (or predicted label). Map "
               "them on the Data page.")
if not spec.sensitive:
    ui.stop_with("Map at least one sensitive attribute on the Data page.")

methods = R.offered_methods(spec)
if not methods:
    ui.stop_with("Map the model's score (for group thresholds) or feature columns (to retrain) "
               "on the Data page.")
if not spec.features:
    st.caption("No feature columns are mapped, so only group thresholds are offered; map "
               "features on the Data page to retrain with reweighing, fairlearn or FIS/FEBS.")

warned = ui.show_warnings(ui.leak_warnings(spec))

# --- one remedy ----------------------------------------------------------------------------------
with st.container(border=True):
    c1, c2, c3 = st.columns([3, 2, 2])
    method = c1.selectbox("Remedy", methods, format_func=R.method_label, key=R.W_METHOD)
    attribute = c2.selectbox("Sensitive attribute", spec.sensitive, key=R.W_ATTRIBUTE)
    constrained = R.takes_constraint(method)
    constraint = c3.selectbox(
        "Constraint", list(R.CONSTRAINT_LABELS), format_func=R.CONSTRAINT_LABELS.get,
        key=R.W_CONSTRAINT,
        help="Group thresholds and exponentiated gradient keep this disparity within the "
             "tolerance; reweighing, FIS and FEBS take no constraint: for them it is the "
             "disparity measured before and after.")
    c4, c5, c6 = st.columns(3)
    tolerance = c4.number_input("Tolerance (largest allowed gap)", min_value=0.0,
                                max_value=1.0, value=0.05, step=0.01, format="%.2f",
                                key=R.W_TOLERANCE, disabled=not constrained,
                                help=None if constrained else "This remedy takes no tolerance.")
    test_size = c5.slider("Held-out share", min_value=0.1, max_value=0.5, value=0.3, step=0.05,
                          key=R.W_TEST_SIZE)
    seed = int(c6.number_input("Seed", min_value=0, value=0, step=1, key=R.W_SEED))
    options: dict = {}
    if method == "thresholds":
        t1, t2 = st.columns([2, 1])
        options["objective"] = t1.radio("Maximise", list(fr.OBJECTIVES), horizontal=True,
                                        format_func=lambda o: o.replace("_", " "),
                                        key=R.W_OBJECTIVE)
        options["folds"] = int(t2.number_input(
            "Cross-fitting folds", min_value=0, max_value=10, value=5, step=1, key=R.W_FOLDS,
            help="The score grid and the fitting tolerance are chosen so that the gap holds "
                 "on fitting rows left out of the fit. 0: solve exactly on every score (fits "
                 "the fitting rows best, holds least on new rows)."))
    elif method in ("fis", "febs"):
        t1, t2, t3 = st.columns(3)
        options["architecture"] = t1.radio("Model", ["mlp", "logistic"], horizontal=True,
                                           key=R.W_ARCH)
        options["epochs"] = int(t2.number_input("Epochs", min_value=1, max_value=200, value=30,
                                                key=R.W_EPOCHS))
        if method == "fis":
            options["fis_coef"] = float(t3.slider("Group share c", 0.0, 1.0, 0.5, 0.05,
                                                  key=R.W_FIS_COEF))
            options["fis_temperature"] = float(st.slider("Temperature T", 0.1, 5.0, 1.0, 0.1,
                                                         key=R.W_FIS_T))
        else:
            options["febs_gamma"] = float(t3.slider("gamma", 0.0, 5.0, 1.0, 0.25,
                                                    key=R.W_FEBS_GAMMA))
    payload = R.payload_of(method, attribute, constraint, tolerance, test_size, seed,
                           **options)
    if not constrained:
        st.caption("This remedy takes no constraint: the chosen disparity is measured before "
                   "and after, and compared with the same learner retrained without fairness.")
    st.button("Run remedy", type="primary", key=R.W_RUN, icon=":material/healing:",
              on_click=R.request("run"))

if R.take_request("run"):
    with ui.guarded("remedy", stop=False), ui.progress_bar() as bar:
        R.run_remedy(spec, payload, progress=bar)

result = R.last_result()
if result is None:
    st.info("Choose a remedy and press **Run remedy**.", icon=":material/info:")
else:
    st.subheader(R.method_label(result.method))
    st.success(md(result.sentence), icon=":material/insights:")
    st.caption(md(R.constraint_caption(result)))
    gap_after, gap_before = result.disparity("after"), result.disparity("before")
    gap_name = md(f"{measure_label(result.measure)} ({result.attribute})")
    cols = st.columns(3 if result.baseline is not None else 2)
    cols[0].metric("Held-out accuracy", fmt(result.accuracy("after")),
                   delta=f"{result.accuracy('after') - result.accuracy('before'):+.3f}")
    cols[1].metric(gap_name, fmt(gap_after), delta=f"{gap_after - gap_before:+.3f}",
                   delta_color="inverse", help="Change against the original predictions.")
    if result.baseline is not None:
        gap_base = result.disparity("baseline")
        cols[2].metric("Beyond retraining", fmt(gap_after),
                       delta=f"{gap_after - gap_base:+.3f}", delta_color="inverse",
                       help=f"{gap_name} against the same learner retrained without "
                            "fairness, on the same split: what the fairness method itself "
                            "added.")
    ui.table(R.before_after_table(result), key="remedies_before_after")
    for note in R.fit_notes(result):
        st.caption(md(note))
    ui.show_warnings(result.warnings, already=warned)
    table = R.thresholds_table(result)
    if table is not None:
        st.markdown("**The thresholds** (a row is positive from this score on; where a share "
                    "is given, that share of the rows at that score is chosen at random)")
        ui.table(table, key="remedies_thresholds", column_config={
            "Randomized": st.column_config.TextColumn(width="large")})
    weights = R.weights_table(result)
    if weights is not None:
        st.markdown("**Reweighing weights** w = P(A) P(Y) / P(A, Y)")
        ui.table(weights, key="remedies_weights")
    d1, d2, d3 = st.columns(3)
    d1.download_button("Thresholds / weights (JSON)", data=result.artefact_json(),
                       file_name=f"fairlens-remedy-{result.method}.json",
                       mime="application/json", key="remedies_download_artefacts",
                       icon=":material/download:", on_click="ignore")
    d2.download_button("Remedied predictions (CSV)", data=result.predictions_csv(),
                       file_name=f"fairlens-remedy-{result.method}.csv", mime="text/csv",
                       key="remedies_download_predictions", icon=":material/download:",
                       on_click="ignore")
    blob = result.model_bytes()
    if blob is not None:
        d3.download_button("Retrained model (skops)", data=blob,
                           file_name=f"fairlens-remedy-{result.method}.skops",
                           mime="application/octet-stream", key="remedies_download_model",
                           icon=":material/download:", on_click="ignore")
    files = result.artefacts.get("files", {})
    if files:
        st.caption(md(R.saved_caption(files)))
    with st.expander("The full result (JSON)"):
        st.json(result.to_dict()["artefacts"], expanded=False)

# --- trade-off -----------------------------------------------------------------------------------
st.subheader("Trade-off: every remedy at its price")
with st.container(border=True):
    chosen = st.multiselect("Remedies to compare", methods, default=methods,
                            format_func=R.method_label, key=R.W_COMPARE_METHODS)
    st.button("Compare remedies", key=R.W_COMPARE, icon=":material/scatter_plot:",
              on_click=R.request("compare"), disabled=not chosen)
if R.take_request("compare") and chosen:
    with ui.guarded("remedy", stop=False), ui.progress_bar() as bar:
        R.run_tradeoff(spec, {"methods": chosen, "attribute": attribute,
                              "constraint": constraint, "tolerance": float(tolerance),
                              "tolerances": (0.02, 0.1), "test_size": float(test_size),
                              "seed": seed, "epochs": 15}, progress=bar)
trade = R.last_tradeoff()
if trade is None:
    st.caption("Press **Compare remedies** to see them side by side: held-out accuracy "
               "against the disparity, with 95% intervals, the Pareto front outlined.")
else:
    for sentence in trade.sentences:
        st.markdown(f"- {md(sentence)}")
    for name, err in trade.errors.items():
        st.warning(md(f"{name}: {err}"), icon=":material/warning:")
    st.plotly_chart(fr.tradeoff_figure(trade.points, measure=trade.measure,
                                       attribute=trade.attribute),
                    key="remedies_tradeoff_chart", config={"displaylogo": False})
    ui.table(R.points_display(trade.points), key="remedies_points")
    st.caption("A point is on the Pareto front when no other point is both more accurate and "
               "fairer. Thresholds and exponentiated gradient appear at tolerances 0.02, the "
               "chosen one and 0.1. Intervals: the audit's (sidebar) intervals on the held-out "
               "rows.")

# --- data-collection advice ----------------------------------------------------------------------
st.subheader("Where would more data help?")
if not spec.features:
    st.caption("Map feature columns to see per-group learning curves.")
else:
    st.button("Compute learning curves", key=R.W_CURVES, icon=":material/trending_up:",
              on_click=R.request("curves"))
    if R.take_request("curves"):
        with ui.guarded("remedy", stop=False), ui.progress_bar() as bar:
            R.run_curves(spec, {"attribute": attribute, "test_size": float(test_size),
                                "seed": seed}, progress=bar)
    curves = R.last_curves()
    if curves is not None:
        for sentence in curves.sentences:
            st.markdown(f"- {md(sentence)}")
        st.plotly_chart(fr.learning_curve_figure(curves.curves, metric=curves.metric,
                                                 attribute=curves.attribute),
                        key="remedies_curves_chart", config={"displaylogo": False})
        st.caption("A logistic regression on the features, retrained on 10% to 100% of the "
                   "fitting rows (stratified by group and label), audited on the same held-out "
                   "rows. Gain per doubling: the slope of the group's held-out AUC against "
                   "log2 of its training rows. Groups below the minimum group size are left "
                   "out of the figure (their intervals span most of the axis).")
