"""Exact top-K slice search over conjunctions of code-range predicates (SliceLine scoring)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from fairlens.slices._binning import Encoded
from fairlens.slices._kernels import new_tables, pair_tables, triple_tables

Progress = Callable[[float, int, str], None]
"""``progress(done, total, message)`` of the search (levels done of ``max_depth``)."""
PROGRESS_CALLS = 20
"""About how many progress calls the deepest levels make."""
MAX_LEVEL3_SLICES = 1_000_000
"""Most three-condition slices the search examines (it expands the most promising parents
first when more would qualify)."""


def slice_score(
    size: np.ndarray, error_sum: np.ndarray, *, n: int, mean_error: float, alpha: float
) -> np.ndarray:
    """SliceLine score ``alpha * (e_s / e - 1) - (1 - alpha) * (n / |s| - 1)``.

    ``e_s = error_sum / size`` is the slice's mean error and ``e`` the mean error over all
    ``n`` rows (Sagadeeva & Boehm, SIGMOD 2021). Empty slices score ``-inf``.
    """
    size = np.asarray(size, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = alpha * (error_sum / size / mean_error - 1) - (1 - alpha) * (n / size - 1)
    return np.where(size > 0, sc, -np.inf)


def score_upper_bound(
    size_ub: np.ndarray, error_ub: np.ndarray, max_error_ub: float, *, n: int,
    mean_error: float, alpha: float, min_support: int,
) -> np.ndarray:
    """SliceLine's upper bound on the score of any slice below a parent.

    A descendant has at most ``size_ub`` rows, an error sum of at most ``error_ub`` and no
    row error above ``max_error_ub``; the score is maximised over the sizes where the bound's
    pieces meet: ``min_support``, ``error_ub / max_error_ub`` and ``size_ub``.
    """
    size_ub = np.asarray(size_ub, dtype=np.float64)
    error_ub = np.asarray(error_ub, dtype=np.float64)
    cands = np.stack([np.full_like(size_ub, float(min_support)),
                      np.maximum(error_ub / max_error_ub, min_support), size_ub])
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.minimum(cands * max_error_ub, error_ub)
        sc = (alpha * (err / mean_error - cands) - (1 - alpha) * (n - cands)) / cands
    sc = np.where(np.isfinite(sc), sc, -np.inf)
    return sc.max(axis=0)


class SliceCounts(Protocol):
    """The count tables of :func:`search` from an engine that holds the rows (DuckDB, Spark).

    Tables are over the *global codes* of :class:`Encoded` (feature ``f``'s codes follow those
    of the features before it); each method returns ``(rows, error sums, squared error
    sums)``, the counts the numpy search takes from the rows, and every number after them
    (scores, bounds, pruning, the top k) is the same computation.

    Attributes
    ----------
    n : int
        Rows.
    binary : bool
        Whether every error is 0 or 1.
    mean_error, max_error : float
    """

    n: int
    binary: bool
    mean_error: float
    max_error: float

    def level1(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per global code (length: all codes)."""

    def pairs(self, pairs: list[tuple[int, int]], pair_off: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Joint counts of feature pairs: pair ``p`` at ``pair_off[p] + code_i * n_j + code_j``."""

    def triples(self, pairs: list[tuple[int, int]]
                ) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per pair ``(i, j)``: counts of shape ``(n_i * n_j, later codes)``, row
        ``code_i * n_j + code_j``, column the global code minus the first code after ``j``."""

    def children(self, preds: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per global code, the counts of the rows where every predicate of ``preds`` holds."""


@dataclass
class SearchResult:
    """Raw output of :func:`search`: the top slices and the statistics of all examined ones."""

    preds: list[tuple[int, ...]]
    size: np.ndarray
    error_sum: np.ndarray
    error_sq: np.ndarray
    score: np.ndarray
    examined_size: np.ndarray
    examined_error_sum: np.ndarray
    examined_error_sq: np.ndarray
    n_pruned: int = 0
    levels: list[int] = field(default_factory=list)
    n_capped: int = 0


class _TopK:
    """Keeps the k best (score, predicates) seen; its threshold prunes the lattice."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.score = np.empty(0)
        self.stats = np.empty((0, 3))
        self.preds: list[tuple[int, ...]] = []

    @property
    def threshold(self) -> float:
        return max(0.0, float(self.score[-1])) if len(self.score) >= self.k else 0.0

    def add(self, score: np.ndarray, stats: np.ndarray,
            preds: Callable[[int], tuple[int, ...]]) -> None:
        keep = score > self.threshold
        if not keep.any():
            return
        idx = np.flatnonzero(keep)
        if len(idx) > self.k:
            idx = idx[np.argpartition(-score[idx], self.k - 1)[: self.k]]
        allscore = np.concatenate([self.score, score[idx]])
        allstats = np.concatenate([self.stats, stats[idx]])
        allpreds = self.preds + [preds(int(i)) for i in idx]
        # stable order: score descending, then fewer predicates, then predicate ids
        order = sorted(range(len(allscore)),
                       key=lambda i: (-allscore[i], len(allpreds[i]), allpreds[i]))[: self.k]
        self.score = allscore[order]
        self.stats = allstats[order]
        self.preds = [allpreds[i] for i in order]


def search(
    enc: Encoded,
    errors: np.ndarray,
    *,
    max_depth: int,
    min_support: int,
    alpha: float,
    k: int,
    progress: Progress | None = None,
    max_slices: int | None = None,
    counts: SliceCounts | None = None,
) -> SearchResult:
    """Exact top-``k`` slices by SliceLine score, conjunctions of up to ``max_depth`` predicates.

    Level 1 uses one ``bincount`` per feature; level 2 the joint tables of all feature pairs,
    filled in one compiled pass over the rows; level 3 one compiled pass per feature pair
    ``(i, j)`` with surviving parents, counting (code of i, code of j, code of every later
    feature) over the rows of the parents' cells, from which every parent and child follows by
    prefix sums (the passes run on all cores). Deeper levels expand each surviving parent with
    one ``bincount`` over its rows. A parent is expanded only when its support reaches
    ``min_support`` and its score upper bound exceeds the current k-th best score (and 0);
    both rules are exact (no pruned slice could enter the top k). A slice holds at most one
    predicate per feature.

    ``progress(done, total, message)`` hears what the search is doing: ``total`` is
    ``max_depth``, ``done`` the levels finished (with a fraction inside level 3), the message
    ``"Level 2 of 3: 1,240 slices examined"``.

    ``max_slices`` (default :data:`MAX_LEVEL3_SLICES`) bounds the work on wide files: when the
    surviving two-condition slices would have more children than that, only the parents with
    the highest score upper bounds are expanded (:attr:`SearchResult.n_capped` counts the
    others; the search is then no longer exact).

    ``counts`` (a :class:`SliceCounts`, e.g. of the DuckDB or Spark engine) gives the same
    count tables without the rows: ``enc.codes`` and ``errors`` are then not read.
    """
    max_slices = MAX_LEVEL3_SLICES if max_slices is None else int(max_slices)
    if counts is None:
        e = np.ascontiguousarray(errors, dtype=np.float64)
        binary = bool(np.all((e == 0) | (e == 1)))
        codes = np.ascontiguousarray(enc.codes)
        n, n_feat = codes.shape
        cols = [np.ascontiguousarray(codes[:, f], dtype=np.int32) for f in range(n_feat)]
        e2 = e * e
        mean_error = float(e.mean())
        max_error = float(e.max())
    else:
        n, n_feat = counts.n, len(enc.names)
        binary, mean_error, max_error = counts.binary, counts.mean_error, counts.max_error
    nc = enc.n_codes.astype(np.int64)
    off = np.concatenate([[0], np.cumsum(nc)]).astype(np.int64)
    pf, plo, phi = enc.pred_feature, enc.pred_lo, enc.pred_hi
    glo, ghi = off[pf] + plo, off[pf] + phi
    n_pred = len(pf)
    top = _TopK(k)
    ex_s: list[np.ndarray] = []
    ex_e: list[np.ndarray] = []
    ex_q: list[np.ndarray] = []
    n_pruned = int(enc.n_rare) if max_depth >= 2 else 0  # categories below min_support
    examined = 0

    def tell(level: str, done: float) -> None:
        if progress is not None:
            progress(min(float(done), float(max_depth)), max_depth,
                     f"{level} of {max_depth}: {examined:,} slices examined")

    def ranges_from_codes(cnt: np.ndarray, err: np.ndarray, sq: np.ndarray, preds: np.ndarray):
        c = np.concatenate([[0.0], np.cumsum(cnt)])
        ce = np.concatenate([[0.0], np.cumsum(err)])
        cq = np.concatenate([[0.0], np.cumsum(sq)])
        return (c[ghi[preds]] - c[glo[preds]], ce[ghi[preds]] - ce[glo[preds]],
                cq[ghi[preds]] - cq[glo[preds]])

    def record(size, esum, esq, pred_of) -> tuple[np.ndarray, np.ndarray]:
        nonlocal examined
        ok = size >= min_support
        size, esum, esq = size[ok], esum[ok], esq[ok]
        where = np.flatnonzero(ok)
        ex_s.append(size)
        ex_e.append(esum)
        ex_q.append(esq)
        examined += len(size)
        sc = slice_score(size, esum, n=n, mean_error=mean_error, alpha=alpha)
        top.add(sc, np.column_stack([size, esum, esq]), lambda i: pred_of(int(where[i])))
        return ok, sc

    def expandable(size, esum) -> np.ndarray:
        ub = score_upper_bound(size, esum, max_error, n=n, mean_error=mean_error,
                               alpha=alpha, min_support=min_support)
        return (size >= min_support) & (esum > 0) & (ub > top.threshold)

    def box_sums(t: np.ndarray, lo1, hi1, lo2, hi2) -> np.ndarray:
        """Sums of ``t`` (n1 x n2 x ...) over code boxes ``[lo1, hi1) x [lo2, hi2)``."""
        sat = np.zeros((t.shape[0] + 1, t.shape[1] + 1, *t.shape[2:]))
        sat[1:, 1:] = t.cumsum(0).cumsum(1)
        return sat[hi1, hi2] - sat[lo1, hi2] - sat[hi1, lo2] + sat[lo1, lo2]

    # level 1
    tell("Level 1", 0)
    if counts is not None:
        cnt, err, sq = counts.level1()
    else:
        cnt = np.concatenate([np.bincount(cols[f], minlength=nc[f]) for f in range(n_feat)])
        err = np.concatenate([np.bincount(cols[f], weights=e, minlength=nc[f])
                              for f in range(n_feat)])
        sq = np.concatenate([np.bincount(cols[f], weights=e2, minlength=nc[f])
                             for f in range(n_feat)])
    all_p = np.arange(n_pred)
    s1, e1, q1 = ranges_from_codes(cnt, err, sq, all_p)
    record(s1, e1, q1, lambda i: (int(all_p[i]),))
    tell("Level 1", 1)
    if max_depth < 2:
        return _finish(top, ex_s, ex_e, ex_q, n_pruned)

    # level 2: the joint tables of all feature pairs with surviving predicates, one pass
    alive1 = expandable(s1, e1)
    n_pruned += int((~alive1).sum())
    by_feat = [np.flatnonzero(alive1 & (pf == f)) for f in range(n_feat)]
    pairs = [(i, j) for i in range(n_feat) for j in range(i + 1, n_feat)
             if len(by_feat[i]) and len(by_feat[j])]
    if not pairs:
        return _finish(top, ex_s, ex_e, ex_q, n_pruned)
    pair_i = np.array([i for i, _ in pairs], dtype=np.int64)
    pair_j = np.array([j for _, j in pairs], dtype=np.int64)
    sizes = nc[pair_i] * nc[pair_j]
    pair_off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_threads = max(1, min(len(pairs), os.cpu_count() or 1))
    if counts is not None:
        tn, te, tq = counts.pairs(pairs, pair_off)
    else:
        tn, te, tq = new_tables((int(pair_off[-1]),), n, not binary)
        parts = np.array_split(np.arange(len(pairs)), n_threads)
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            # the pairs' cells are disjoint, so the threads fill one set of tables
            list(pool.map(lambda idx: pair_tables(codes, nc, pair_i[idx], pair_j[idx],
                                                  pair_off[idx], e, not binary, tn, te, tq),
                          parts))
    if binary:
        tq = te
    lvl2: list[tuple[int, int]] = []
    lvl2_stats: list[np.ndarray] = []
    for p, (i, j) in enumerate(pairs):
        pi, pj = by_feat[i], by_feat[j]
        ni, nj = int(nc[i]), int(nc[j])
        cells = slice(int(pair_off[p]), int(pair_off[p + 1]))
        li, hi_ = plo[pi][:, None], phi[pi][:, None]
        lj, hj = plo[pj][None, :], phi[pj][None, :]
        out = [box_sums(t[cells].reshape(ni, nj), li, hi_, lj, hj).ravel()
               for t in (tn, te, tq)]
        npj = len(pj)
        ok, _ = record(out[0], out[1], out[2],
                       lambda x, pi=pi, pj=pj, npj=npj: (int(pi[x // npj]), int(pj[x % npj])))
        lvl2.extend((int(pi[x // npj]), int(pj[x % npj])) for x in np.flatnonzero(ok))
        lvl2_stats.append(np.column_stack([out[0][ok], out[1][ok]]))
    tell("Level 2", 2)
    if max_depth < 3 or not lvl2:
        return _finish(top, ex_s, ex_e, ex_q, n_pruned)

    # level 3+: per feature pair (i, j) with surviving parents, one pass over the rows of the
    # parents' cells counts (code of i, code of j, code of every later feature); every parent
    # (a, b) and every child predicate then follow from prefix sums.
    st2 = np.concatenate(lvl2_stats)
    alive2 = expandable(st2[:, 0], st2[:, 1])
    n_pruned += int((~alive2).sum())
    pred_order = np.argsort(pf, kind="stable")
    first_pred_of_feat = np.searchsorted(pf[pred_order], np.arange(n_feat + 1))
    expand_idx = np.flatnonzero(alive2)
    later = n_pred - first_pred_of_feat[pf[[lvl2[x][1] for x in expand_idx]] + 1] \
        if len(expand_idx) else np.empty(0, dtype=np.int64)
    n_capped = 0
    if later.sum() > max_slices:
        # more children than the budget: expand the parents with the best upper bounds
        ub = score_upper_bound(st2[expand_idx, 0], st2[expand_idx, 1], max_error, n=n,
                               mean_error=mean_error, alpha=alpha, min_support=min_support)
        order = np.argsort(-ub, kind="stable")
        take = order[np.cumsum(later[order]) <= max_slices]
        n_capped = len(expand_idx) - len(take)
        expand_idx = np.sort(expand_idx[take])
    parents: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for x in expand_idx:
        a, b = lvl2[x]
        parents.setdefault((int(pf[a]), int(pf[b])), []).append((a, b))

    def in_pred(col: np.ndarray, p: int) -> np.ndarray:
        return (col >= plo[p]) & (col < phi[p])

    def expand(rows: np.ndarray, preds: tuple[int, ...], depth: int) -> None:
        """Children of one parent (depth 4 and more): one bincount over its rows."""
        nonlocal n_pruned
        last = int(pf[preds[-1]])
        if last + 1 >= n_feat:
            return
        if counts is not None:
            cnt_, err_, sq_ = counts.children(preds)
        else:
            sub = codes[rows, last + 1:].astype(np.int64) + off[last + 1:n_feat][None, :]
            er = e[rows]
            flat = sub.ravel()
            cnt_ = np.bincount(flat, minlength=off[-1])
            err_ = np.bincount(flat, weights=np.repeat(er, sub.shape[1]), minlength=off[-1])
            sq_ = (err_ if binary else
                   np.bincount(flat, weights=np.repeat(er * er, sub.shape[1]),
                               minlength=off[-1]))
        cand = pred_order[first_pred_of_feat[last + 1]:]
        s, es, qs = ranges_from_codes(cnt_, err_, sq_, cand)
        ok, _ = record(s, es, qs, lambda x: (*preds, int(cand[x])))
        if depth >= max_depth:
            return
        kids = cand[ok]
        alive = expandable(s[ok], es[ok])
        n_pruned += int((~alive).sum())
        for c in kids[alive]:
            if counts is not None:
                expand(rows, (*preds, int(c)), depth + 1)
                continue
            col = codes[rows, pf[c]]
            expand(rows[in_pred(col, c)], (*preds, int(c)), depth + 1)

    def count_triples(item):
        """The (i, j, later feature) tables of one feature pair; runs without the GIL."""
        (i, j), plist = item
        ni, nj = int(nc[i]), int(nc[j])
        a_s = np.array([a for a, _ in plist], dtype=np.int64)
        b_s = np.array([b for _, b in plist], dtype=np.int64)
        # cells of (i, j) covered by some parent: a 2-D difference array of the boxes
        cover = np.zeros((ni + 1, nj + 1), dtype=np.int64)
        np.add.at(cover, (plo[a_s], plo[b_s]), 1)
        np.add.at(cover, (phi[a_s], plo[b_s]), -1)
        np.add.at(cover, (plo[a_s], phi[b_s]), -1)
        np.add.at(cover, (phi[a_s], phi[b_s]), 1)
        cell_alive = (cover.cumsum(0).cumsum(1)[:ni, :nj] > 0).ravel()
        base = int(off[j + 1])
        width = int(off[-1]) - base
        tables = new_tables((ni * nj, width), n, not binary)
        triple_tables(codes, i, j, nj, cell_alive, off, base, e, not binary, *tables)
        return i, j, a_s, b_s, base, width, tables

    def parent_sums(t: np.ndarray, a_s: np.ndarray, b_s: np.ndarray) -> np.ndarray:
        """Sums of ``t`` (ni x nj x width) over each parent's box of (i, j) codes.

        One prefix sum over the codes of ``j`` per distinct range of ``i`` (a category is one
        code, summed directly; a wider range uses one prefix sum over the codes of ``i``).
        """
        out = np.empty((len(a_s), t.shape[2]))
        lo_a, hi_a = plo[a_s], phi[a_s]
        prefix = None
        for lo, hi in set(zip(lo_a.tolist(), hi_a.tolist(), strict=True)):
            rows = np.flatnonzero((lo_a == lo) & (hi_a == hi))
            if hi - lo <= 2:
                d = t[lo:hi].sum(axis=0, dtype=np.float64)
            else:
                if prefix is None:
                    prefix = np.zeros((t.shape[0] + 1, *t.shape[1:]))
                    np.cumsum(t, axis=0, out=prefix[1:])
                d = prefix[hi] - prefix[lo]
            d1 = np.zeros((d.shape[0] + 1, d.shape[1]))
            np.cumsum(d, axis=0, out=d1[1:])
            out[rows] = d1[phi[b_s[rows]]] - d1[plo[b_s[rows]]]
        return out

    def level3(i, j, a_s, b_s, base, width, tn3, te3, tq3) -> None:
        """Record the children of the parents on (i, j); expand them further at depth >= 4."""
        nonlocal n_pruned
        ni, nj = int(nc[i]), int(nc[j])
        cand = pred_order[first_pred_of_feat[j + 1]:]
        gl, gh = glo[cand] - base, ghi[cand] - base
        outs = []
        for t in ((tn3, te3) if binary else (tn3, te3, tq3)):
            par = parent_sums(t.reshape(ni, nj, width), a_s, b_s)
            cum = np.zeros((len(a_s), width + 1))
            cum[:, 1:] = np.cumsum(par, axis=1)
            outs.append((cum[:, gh] - cum[:, gl]).ravel())
        if binary:
            outs.append(outs[1])
        nc_ = len(cand)
        ok, _ = record(outs[0], outs[1], outs[2],
                       lambda x, a_s=a_s, b_s=b_s, cand=cand, nc_=nc_: (
                           int(a_s[x // nc_]), int(b_s[x // nc_]), int(cand[x % nc_])))
        if max_depth < 4:
            return
        idx = np.flatnonzero(ok)
        alive = expandable(outs[0][ok], outs[1][ok])
        n_pruned += int((~alive).sum())
        for x in idx[alive]:
            a, b, c = int(a_s[x // nc_]), int(b_s[x // nc_]), int(cand[x % nc_])
            if counts is not None:
                expand(np.empty(0, dtype=np.int64), (a, b, c), 4)
                continue
            keep = in_pred(cols[i], a) & in_pred(cols[j], b) & in_pred(cols[pf[c]], c)
            expand(np.flatnonzero(keep), (a, b, c), 4)

    work = [(ij, plist) for ij, plist in parents.items() if ij[1] + 1 < n_feat]
    every = max(1, len(work) // PROGRESS_CALLS)
    level = "Level 3" if max_depth == 3 else f"Levels 3 to {max_depth}"
    finished = 0

    def finish_pair(future) -> None:
        nonlocal finished
        i, j, a_s, b_s, base, width, (tn3, te3, tq3) = future.result()
        level3(i, j, a_s, b_s, base, width, tn3, te3, te3 if binary else tq3)
        finished += 1
        if finished % every == 0:
            tell(level, 2 + (max_depth - 2) * finished / max(len(work), 1))

    if counts is not None:
        # the engine counts the (i, j, later feature) tables of every pair in one query
        triples = counts.triples([ij for ij, _ in work])
        for (i, j), plist in work:
            a_s = np.array([a for a, _ in plist], dtype=np.int64)
            b_s = np.array([b for _, b in plist], dtype=np.int64)
            tn3, te3, tq3 = triples[(i, j)]
            level3(i, j, a_s, b_s, int(off[j + 1]), int(off[-1] - off[j + 1]), tn3, te3,
                   te3 if binary else tq3)
            finished += 1
            if finished % every == 0:
                tell(level, 2 + (max_depth - 2) * finished / max(len(work), 1))
        tell(level, max_depth)
        return _finish(top, ex_s, ex_e, ex_q, n_pruned, n_capped)
    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        # a window of pending pairs keeps a bounded number of tables alive at once
        pending: deque = deque()
        for item in work:
            pending.append(pool.submit(count_triples, item))
            if len(pending) > 2 * n_threads:
                finish_pair(pending.popleft())
        while pending:
            finish_pair(pending.popleft())
    tell(level, max_depth)
    return _finish(top, ex_s, ex_e, ex_q, n_pruned, n_capped)


def _finish(top: _TopK, ex_s, ex_e, ex_q, n_pruned: int, n_capped: int = 0) -> SearchResult:
    return SearchResult(
        preds=list(top.preds), size=top.stats[:, 0].copy(), error_sum=top.stats[:, 1].copy(),
        error_sq=top.stats[:, 2].copy(), score=top.score.copy(),
        examined_size=np.concatenate(ex_s) if ex_s else np.empty(0),
        examined_error_sum=np.concatenate(ex_e) if ex_e else np.empty(0),
        examined_error_sq=np.concatenate(ex_q) if ex_q else np.empty(0),
        n_pruned=n_pruned, n_capped=n_capped)
