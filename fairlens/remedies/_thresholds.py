"""Post-processing: group-specific (randomized) thresholds computed from the score tables.

The rule for a row of group ``g`` whose score falls in score bin ``b`` is "predict positive with
probability ``p[g, b]``", with ``p`` non-decreasing in the score: every such rule is a mixture of
ordinary thresholds ("randomized thresholds"), and every deterministic per-group threshold is one
with ``p`` in {0, 1}. The best rule under a fairness constraint is the solution of one small
linear program over the cells of the engine's :class:`~fairlens.engine.ScoreTable` (counts per
group, label and score bin): accuracy, TPR, FPR and selection rate are all linear in ``p``. No
row is touched after the table is built, so fitting costs the same at any number of rows.

Constraints (between groups, max - min, as fairlearn and the audit define them):

* ``demographic_parity``: selection rates within ``tolerance`` of each other;
* ``equal_opportunity``: true-positive rates within ``tolerance``;
* ``equalized_odds``: true-positive rates and false-positive rates each within ``tolerance``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from fairlens._validation import check_choice
from fairlens.auditing import build_statistics
from fairlens.data import AuditSpec, FairLensInputError, prepare
from fairlens.remedies._common import CONSTRAINTS, MSG_NO_SCORE, OBJECTIVES, check_tolerance

MAX_BINS = 2000
_RATES = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("tpr",),
    "equalized_odds": ("tpr", "fpr"),
}


def _merge_bins(w: np.ndarray, values: np.ndarray, max_bins: int):
    """Merge adjacent score bins to at most ``max_bins`` (edges at pooled weighted quantiles).

    Every merged bin starts at an observed score, so its rule is still a threshold on scores.
    """
    pooled = w.sum(axis=(0, 1))
    cum = np.cumsum(pooled)
    targets = np.linspace(0, cum[-1], max_bins + 1)[1:-1]
    starts = np.unique(np.r_[0, np.searchsorted(cum, targets, side="right")])
    starts = starts[starts < len(values)]
    merged = np.add.reduceat(w, starts, axis=2)
    return merged, values[starts]


class GroupThresholdOptimizer:
    """Per-group randomized thresholds that maximise accuracy under a fairness constraint.

    Parameters
    ----------
    constraint : {"demographic_parity", "equal_opportunity", "equalized_odds"}
    tolerance : float, default 0.05
        Largest allowed between-group difference (max - min) of each constrained rate.
    objective : {"accuracy", "balanced_accuracy"}
    max_bins : int, default 2000
        Score bins are merged to at most this many before solving (exact below it).

    Attributes
    ----------
    groups_ : list
        The group values, in table order.
    values_ : numpy.ndarray
        The score of each bin (its lower edge); a score ``s`` falls in the last bin whose
        value is ``<= s``.
    p_ : numpy.ndarray
        ``(n_groups, n_bins)`` probability of a positive decision.
    fit_rates_ : DataFrame
        Expected selection rate, TPR, FPR and accuracy of each group on the fitting rows.
    objective_value_ : float
        Expected accuracy (or balanced accuracy) on the fitting rows.
    notes_ : list of str
    """

    def __init__(self, *, constraint: str = "equalized_odds", tolerance: float = 0.05,
                 objective: str = "accuracy", max_bins: int = MAX_BINS) -> None:
        self.constraint = constraint
        self.tolerance = tolerance
        self.objective = objective
        self.max_bins = max_bins

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, frame: pd.DataFrame, spec: AuditSpec, attribute: str) -> GroupThresholdOptimizer:
        """Build the score table of ``frame`` for one attribute and solve for the thresholds."""
        if not spec.score:
            raise FairLensInputError(MSG_NO_SCORE)
        single = replace(spec, sensitive=[attribute], score=spec.score[:1], features=[])
        prepared = prepare(frame, single)
        stats = build_statistics(prepared, threshold=spec.threshold, score_kind=spec.score_kind)
        model = next(iter(stats.models.values()))
        table = model.score_table
        grouping = stats.groupings[0]
        w = grouping.marginalize(table.w, 0)
        groups = [lab[0] for lab in grouping.labels]
        return self.fit_table(w, table.values, groups)

    def fit_table(self, w: np.ndarray, values: np.ndarray, groups: list[Any]
                  ) -> GroupThresholdOptimizer:
        """Solve the linear program on a ``(group, label, score bin)`` table of (weighted)
        counts."""
        check_choice("constraint", self.constraint, CONSTRAINTS)
        check_choice("objective", self.objective, OBJECTIVES)
        tol = check_tolerance(self.tolerance)
        w = np.asarray(w, dtype=float)
        values = np.asarray(values, dtype=float)
        self.notes_: list[str] = []
        if w.shape[2] > self.max_bins:
            w, values = _merge_bins(w, values, self.max_bins)
            self.notes_.append(f"Scores were merged into {len(values)} bins (at observed "
                               "scores) before solving.")
        n_groups, _, n_bins = w.shape
        neg, pos = w[:, 0, :], w[:, 1, :]
        cells = np.flatnonzero((neg + pos).ravel() > 0)
        cg, cb = np.divmod(cells, n_bins)
        m = len(cells)
        cpos, cneg = pos.ravel()[cells], neg.ravel()[cells]
        total_pos, total_neg = pos.sum(), neg.sum()
        total = total_pos + total_neg
        if total_pos <= 0 or total_neg <= 0:
            raise FairLensInputError("The fitting rows hold only one label value; thresholds "
                                     "cannot be fitted. Use more data.")
        if self.objective == "accuracy":
            gain = (cpos - cneg) / total
        else:
            gain = 0.5 * (cpos / total_pos - cneg / total_neg)
        rates = _RATES[self.constraint]
        n_slack = 2 * len(rates)
        n_var = m + n_slack
        blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        rhs: list[np.ndarray] = []
        r = 0

        def add(row: np.ndarray, col: np.ndarray, val: np.ndarray, bound: np.ndarray) -> None:
            nonlocal r
            blocks.append((row + r, col, val))
            rhs.append(bound)
            r += len(bound)

        # monotone in the score within each group: x_i - x_{i+1} <= 0
        same = np.flatnonzero(cg[1:] == cg[:-1])
        k = np.arange(len(same))
        add(np.r_[k, k], np.r_[same, same + 1], np.r_[np.ones(len(same)), -np.ones(len(same))],
            np.zeros(len(same)))
        g_pos = pos.sum(axis=1)
        g_neg = neg.sum(axis=1)
        g_all = g_pos + g_neg
        for k_rate, rate in enumerate(rates):
            lo, hi = m + 2 * k_rate, m + 2 * k_rate + 1
            for g in range(n_groups):
                sel = np.flatnonzero(cg == g)
                if rate == "tpr":
                    denom, num = g_pos[g], cpos[sel]
                elif rate == "fpr":
                    denom, num = g_neg[g], cneg[sel]
                else:
                    denom, num = g_all[g], cpos[sel] + cneg[sel]
                if denom <= 0:
                    if g_all[g] > 0:
                        kind = "positive" if rate == "tpr" else "negative"
                        self.notes_.append(
                            f"Group {groups[g]} has no {kind} labels in the fitting rows; "
                            f"its {rate.upper()} is not constrained.")
                    continue
                coef = num / denom
                ones = np.zeros(len(sel) + 1, dtype=np.int64)
                # rate_g - hi <= 0 and lo - rate_g <= 0
                add(ones, np.r_[sel, hi], np.r_[coef, -1.0], np.zeros(1))
                add(ones, np.r_[sel, lo], np.r_[-coef, 1.0], np.zeros(1))
            add(np.zeros(2, dtype=np.int64), np.array([hi, lo]), np.array([1.0, -1.0]),
                np.array([tol]))
        rows = np.concatenate([b[0] for b in blocks])
        cols = np.concatenate([b[1] for b in blocks])
        data = np.concatenate([b[2] for b in blocks])
        a_ub = sparse.csr_matrix((data, (rows, cols)), shape=(r, n_var))
        c = np.r_[-gain, np.zeros(n_slack)]
        res = linprog(c, A_ub=a_ub, b_ub=np.concatenate(rhs), bounds=(0.0, 1.0),
                      method="highs")
        if res.status != 0:
            raise FairLensInputError(f"The threshold program could not be solved ({res.message});"
                                     " try a larger tolerance.")
        x = np.clip(res.x[:m], 0.0, 1.0)
        x[np.abs(x) < 1e-9] = 0.0
        x[np.abs(x - 1) < 1e-9] = 1.0
        p = np.full((n_groups, n_bins), np.nan)
        p.ravel()[cells] = x
        p = pd.DataFrame(p.T).bfill().ffill().fillna(0.0).to_numpy().T
        self.groups_ = list(groups)
        self.values_ = values
        self.p_ = np.maximum.accumulate(p, axis=1)  # exact monotone (removes 1e-12 wobble)
        self.weights_ = w
        base = (cneg.sum() / total) if self.objective == "accuracy" else 0.5
        self.objective_value_ = float(base + gain @ x)
        self.fit_rates_ = self._rates(w)
        return self

    def _rates(self, w: np.ndarray) -> pd.DataFrame:
        neg, pos = w[:, 0, :], w[:, 1, :]
        tp, fp = (pos * self.p_).sum(1), (neg * self.p_).sum(1)
        P, N = pos.sum(1), neg.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return pd.DataFrame({
                "group": self.groups_, "n": P + N, "selection_rate": (tp + fp) / (P + N),
                "tpr": tp / P, "fpr": fp / N, "accuracy": (tp + N - fp) / (P + N)})

    # -- applying --------------------------------------------------------------------------

    def proba(self, scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Probability of a positive decision per row (NaN for a group not seen in fitting)."""
        scores = np.asarray(scores, dtype=float)
        k = np.clip(np.searchsorted(self.values_, scores, side="right") - 1, 0,
                    len(self.values_) - 1)
        index = {str(g): i for i, g in enumerate(self.groups_)}
        gi = np.array([index.get(str(g), -1) for g in groups])
        out = np.full(len(scores), np.nan)
        known = gi >= 0
        out[known] = self.p_[gi[known], k[known]]
        return out

    def predict(self, scores: np.ndarray, groups: np.ndarray, *, seed: int = 0,
                fallback: np.ndarray | None = None) -> np.ndarray:
        """0/1 decisions: a seeded draw for randomized bins; ``fallback`` (0/1) for rows of
        groups not seen in fitting."""
        p = self.proba(scores, groups)
        draw = np.random.default_rng(seed).random(len(p))
        out = (draw < np.nan_to_num(p)).astype(np.int64)
        if fallback is not None:
            unknown = np.isnan(p)
            out[unknown] = np.asarray(fallback)[unknown]
        return out

    def describe(self) -> list[dict[str, Any]]:
        """One JSON-safe entry per group: the rule as steps, a threshold and its randomized
        part."""
        out = []
        for g, row, (_, rates) in zip(self.groups_, self.p_, self.fit_rates_.iterrows(),
                                      strict=True):
            steps = []
            prev = None
            for v, q in zip(self.values_, row, strict=True):
                if prev is None or q != prev:
                    steps.append({"score_at_least": float(v), "p_positive": float(q)})
                    prev = q
            full = np.flatnonzero(row >= 1.0)
            threshold = float(self.values_[full[0]]) if len(full) else None
            partial = []
            for v, q in zip(self.values_, row, strict=True):
                if 0.0 < q < 1.0:
                    if partial and partial[-1]["p_positive"] == float(q):
                        partial[-1]["score_to"] = float(v)
                    else:
                        partial.append({"score": float(v), "score_to": float(v),
                                        "p_positive": float(q)})
            out.append({"group": g, "n_fit": float(rates["n"]),
                        "threshold": threshold, "randomized": partial,
                        "steps": steps,
                        "expected_fit_rates": {k: float(rates[k]) for k in
                                               ("selection_rate", "tpr", "fpr", "accuracy")}})
        return out
