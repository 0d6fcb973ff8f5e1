"""Compiled counting kernels of the slice search (numba; compiled once, cached on disk).

Both kernels walk the row-major code matrix once and add each row to small contingency tables
that stay in the CPU cache; numpy would need several full passes (and temporaries) per table.
Counts are integers (``out_n``, and ``out_e`` for 0/1 errors); for real-valued errors
(``weighted``), ``out_e`` and ``out_q`` are float tables of the error and squared error sums.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def pair_tables(codes, n_codes, pair_i, pair_j, pair_off, errors, weighted, out_n, out_e, out_q):
    """Joint counts of every listed feature pair, in one pass over the rows.

    Pair ``p`` adds row ``r`` to cell ``pair_off[p] + codes[r, i] * n_codes[j] + codes[r, j]``.
    """
    n = codes.shape[0]
    n_pairs = pair_i.shape[0]
    for r in range(n):
        er = errors[r]
        row = codes[r]
        for p in range(n_pairs):
            cell = pair_off[p] + row[pair_i[p]] * n_codes[pair_j[p]] + row[pair_j[p]]
            out_n[cell] += 1
            if er != 0.0:
                if weighted:
                    out_e[cell] += er
                    out_q[cell] += er * er
                else:
                    out_e[cell] += 1


@numba.njit(cache=True, nogil=True)
def triple_tables(codes, i, j, nj, cell_alive, glob_off, base, errors, weighted,
                  out_n, out_e, out_q):
    """Counts of (code of ``i``, code of ``j``, code of every later feature) in one pass.

    Rows whose ``(i, j)`` cell is not alive (no surviving parent covers it) are skipped. The
    tables have one row per ``(i, j)`` cell and one column per global code of the features
    after ``j`` (``glob_off[k] + code - base``).
    """
    n, n_feat = codes.shape
    goff = glob_off[j + 1:n_feat] - base
    m = n_feat - j - 1
    for r in range(n):
        cell = codes[r, i] * nj + codes[r, j]
        if not cell_alive[cell]:
            continue
        later = codes[r, j + 1:]
        on = out_n[cell]
        for t in range(m):
            on[goff[t] + later[t]] += 1
        er = errors[r]
        if er != 0.0:
            oe = out_e[cell]
            if weighted:
                oq = out_q[cell]
                for t in range(m):
                    oe[goff[t] + later[t]] += er
                    oq[goff[t] + later[t]] += er * er
            else:
                for t in range(m):
                    oe[goff[t] + later[t]] += 1


def count_dtype(n_rows: int) -> type:
    """Integer type of the count tables: int32 unless a count could overflow it."""
    return np.int32 if n_rows < 2**31 - 1 else np.int64


def new_tables(shape: tuple[int, ...], n_rows: int, weighted: bool):
    """Zeroed ``(out_n, out_e, out_q)`` for the kernels (``out_q`` unused unless weighted)."""
    ct = count_dtype(n_rows)
    if weighted:
        return np.zeros(shape, ct), np.zeros(shape), np.zeros(shape)
    return np.zeros(shape, ct), np.zeros(shape, ct), np.zeros((1,) * len(shape))


def warm_up() -> None:
    """Compile (or load from numba's on-disk cache) the kernels for 0/1 and real errors."""
    codes = np.zeros((2, 3), dtype=np.uint8)
    nc = np.full(3, 2, dtype=np.int64)
    glob_off = np.array([0, 2, 4, 6], dtype=np.int64)
    one = np.zeros(1, dtype=np.int64)
    for weighted in (False, True):
        e = np.array([1.0, 0.5 if weighted else 0.0])
        pair_tables(codes, nc, one, one + 1, one, e, weighted, *new_tables((4,), 2, weighted))
        triple_tables(codes, 0, 1, 2, np.ones(4, dtype=np.bool_), glob_off, 4, e, weighted,
                      *new_tables((4, 2), 2, weighted))
