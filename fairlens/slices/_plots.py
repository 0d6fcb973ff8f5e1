"""Error tree and error heat map: tables and plotly figure builders (no streamlit)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.tree import DecisionTreeRegressor

from fairlens.data import FairLensInputError
from fairlens.slices._binning import bin_features

MSG_ERRORS_SHAPE = "errors has {got} values but the data has {n} rows."
MSG_SAME_FEATURE = "The heat map needs two different features; got {x!r} twice."
ERROR_SCALE = "Reds"


def _errors(frame: pd.DataFrame, errors: Any) -> np.ndarray:
    e = np.asarray(errors, dtype=np.float64).ravel()
    if len(e) != len(frame):
        raise FairLensInputError(MSG_ERRORS_SHAPE.format(got=len(e), n=len(frame)))
    return e


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def error_tree(
    frame: pd.DataFrame,
    errors: Any,
    *,
    features: list[str],
    max_depth: int = 3,
    min_samples_leaf: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """A shallow regression tree on the error signal, as a table of its nodes.

    Parameters
    ----------
    frame : DataFrame
    errors : array-like
        Per-row error (0/1 or a loss), e.g. from :func:`fairlens.slices.error_signal`.
    features : list of str
        Numeric features are split at thresholds; the others are one-hot encoded, so their
        splits read ``region is north`` / ``region is not north``.
    max_depth : int, default 3
    min_samples_leaf : int, optional
        Default ``max(30, 1 % of the rows)``.
    seed : int, default 0

    Returns
    -------
    DataFrame
        One row per node, root first: ``node``, ``parent`` (-1 for the root), ``depth``,
        ``condition`` (the split that leads to the node, in words), ``path`` (all conditions
        from the root), ``n``, ``error_rate`` (mean error of the node), ``coverage`` (share of
        all errors that fall in the node) and ``leaf``.
    """
    e = _errors(frame, errors)
    n = len(frame)
    leaf = min_samples_leaf if min_samples_leaf is not None else max(30, int(np.ceil(0.01 * n)))
    parts, names, kinds = [], [], []
    for f in features:
        s = frame[f]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            col = s.to_numpy(dtype=np.float64, na_value=np.nan)
            parts.append(col[:, None])
            names.append(f)
            kinds.append(("num", f, bool(np.isnan(col).any())))
        else:
            values = s.astype("object").where(s.notna(), "(missing)").astype(str)
            for v in sorted(values.unique()):
                parts.append((values == v).to_numpy(dtype=np.float64)[:, None])
                names.append(f"{f}={v}")
                kinds.append(("cat", f, v))
    x = np.hstack(parts) if parts else np.empty((n, 0))
    tree = DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=leaf, random_state=seed)
    tree.fit(x, e)
    t = tree.tree_
    total = float(e.sum()) or 1.0
    # node statistics from the rows (exact, including nodes' error sums)
    path_ind = tree.decision_path(x)
    node_n = np.asarray(path_ind.sum(axis=0)).ravel()
    node_err = np.asarray(path_ind.T @ e).ravel()
    rows: list[dict[str, Any]] = []
    stack: list[tuple[int, int, int, str, list[str]]] = [(0, -1, 0, "all rows", [])]
    while stack:
        node, parent, depth, cond, path = stack.pop()
        is_leaf = t.children_left[node] == -1
        rows.append({"node": node, "parent": parent, "depth": depth, "condition": cond,
                     "path": " and ".join(path) if path else "all rows",
                     "n": int(node_n[node]),
                     "error_rate": float(node_err[node] / node_n[node]) if node_n[node] else
                     float("nan"),
                     "coverage": float(node_err[node] / total), "leaf": bool(is_leaf)})
        if is_leaf:
            continue
        kind, f, v = kinds[t.feature[node]]
        thr = float(t.threshold[node])
        if kind == "num":
            left, right = f"{f} <= {_fmt(thr)}", f"{f} > {_fmt(thr)}"
            if v and getattr(t, "missing_go_to_left", None) is not None:
                if t.missing_go_to_left[node]:
                    left += " or missing"
                else:
                    right += " or missing"
        else:
            left, right = f"{f} is not {v}", f"{f} is {v}"
        stack.append((int(t.children_right[node]), node, depth + 1, right, [*path, right]))
        stack.append((int(t.children_left[node]), node, depth + 1, left, [*path, left]))
    return pd.DataFrame(rows)


def error_tree_figure(nodes: pd.DataFrame, *, title: str = "Error tree") -> go.Figure:
    """Icicle chart of :func:`error_tree`: box size = rows, colour = error rate."""
    ids = nodes["node"].astype(str)
    parents = nodes["parent"].map(lambda p: "" if p < 0 else str(p))
    labels = [f"{c}<br>{r:.1%} error, {cov:.0%} of errors"
              for c, r, cov in zip(nodes["condition"], nodes["error_rate"], nodes["coverage"],
                                   strict=True)]
    fig = go.Figure(go.Icicle(
        ids=ids, parents=parents, labels=labels, values=nodes["n"], branchvalues="total",
        marker={"colors": nodes["error_rate"], "colorscale": ERROR_SCALE,
                "colorbar": {"title": "error rate"}},
        customdata=np.column_stack([nodes["path"], nodes["n"], nodes["error_rate"],
                                    nodes["coverage"]]),
        hovertemplate=("%{customdata[0]}<br>%{customdata[1]:,} rows<br>error rate "
                       "%{customdata[2]:.1%}<br>%{customdata[3]:.1%} of all errors"
                       "<extra></extra>"),
        tiling={"orientation": "v"}))
    fig.update_layout(title=title, margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return fig


def error_heatmap_table(
    frame: pd.DataFrame, errors: Any, *, x: str, y: str, n_bins: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Error rate and row count for every pair of bins of two features.

    Numeric features are binned as :func:`fairlens.slices.bin_features` does (readable
    quantile edges); categorical ones keep their values.

    Returns
    -------
    (DataFrame, DataFrame)
        Mean error and number of rows, indexed by the bins of ``y`` with columns the bins of
        ``x`` (empty cells NaN and 0).
    """
    if x == y:
        raise FairLensInputError(MSG_SAME_FEATURE.format(x=x))
    e = _errors(frame, errors)
    binned = bin_features(frame, [x, y], n_bins=n_bins)
    cx = pd.Categorical(binned[x], categories=_order(binned[x], frame[x]))
    cy = pd.Categorical(binned[y], categories=_order(binned[y], frame[y]))
    nx, ny = len(cx.categories), len(cy.categories)
    code = cy.codes.astype(np.int64) * nx + cx.codes
    count = np.bincount(code, minlength=nx * ny).reshape(ny, nx)
    err = np.bincount(code, weights=e, minlength=nx * ny).reshape(ny, nx)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(count > 0, err / count, np.nan)
    index = pd.Index(list(cy.categories), name=y)
    columns = pd.Index(list(cx.categories), name=x)
    return (pd.DataFrame(rate, index=index, columns=columns),
            pd.DataFrame(count, index=index, columns=columns))


def _order(labels: pd.Series, raw: pd.Series) -> list[str]:
    """Bins in the order of the raw values (numeric bins ascending, missing last)."""
    order = (pd.DataFrame({"label": labels.to_numpy(), "raw": raw.to_numpy()})
             .groupby("label", sort=False)["raw"])
    try:
        key = order.min()
        key = key.sort_values(na_position="last")
    except TypeError:
        key = order.size().sort_index()
    return [str(k) for k in key.index]


def error_heatmap(
    frame: pd.DataFrame, errors: Any, *, x: str, y: str, n_bins: int = 5,
    title: str | None = None,
) -> go.Figure:
    """Heat map of the error rate over two features (cells annotated with rate and rows)."""
    rate, count = error_heatmap_table(frame, errors, x=x, y=y, n_bins=n_bins)
    text = [[("" if c == 0 else f"{r:.0%}<br>{c:,}") for r, c in zip(rr, cc, strict=True)]
            for rr, cc in zip(rate.to_numpy(), count.to_numpy(), strict=True)]
    fig = go.Figure(go.Heatmap(
        z=rate.to_numpy(), x=list(rate.columns), y=list(rate.index), text=text,
        texttemplate="%{text}", colorscale=ERROR_SCALE, colorbar={"title": "error rate"},
        customdata=count.to_numpy(),
        hovertemplate=f"{x} %{{x}}<br>{y} %{{y}}<br>error rate %{{z:.1%}}<br>"
                      "%{customdata:,} rows<extra></extra>"))
    fig.update_layout(title=title or f"Error rate by {x} and {y}", xaxis_title=x,
                      yaxis_title=y, margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return fig
