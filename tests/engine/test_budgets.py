"""The table budget: score and value bins adapt to the number of groups, by one rule on every
engine, and the group limits hold on DuckDB as on numpy (issue 15, finding 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairlens.auditing import AuditOptions, audit_spec
from fairlens.data import AuditSpec, FairLensInputError, _prepare, prepare
from fairlens.engine import _sql, _tables
from fairlens.engine._numpy import NumpyTables
from fairlens.engine._source import open_tables
from fairlens.engine._tables import TABLE_CELLS, grid_bins, value_bins
from tests.engine._engines import differences

pytestmark = pytest.mark.usefixtures("quiet_numpy")

OPTIONS = AuditOptions(bootstrap=0, min_group_size=5)


def test_one_rule_for_the_bins():
    assert [grid_bins(g) for g in (1, 1_250, 1_251, 2_500, 5_000, 10**6)] == \
        [4000, 4000, 2000, 2000, 1000, 10]
    assert [value_bins(g) for g in (1, 2_441, 2_442, 4_882, 4_883)] == \
        [4096, 4096, 2048, 2048, 1024]
    for g in (1, 999, 1_251, 5_000, 49_999):
        assert g * 2 * grid_bins(g) <= TABLE_CELLS
        assert g * value_bins(g) <= TABLE_CELLS
    assert _tables.EXACT_MAX_CELLS == TABLE_CELLS


def _frame(n: int, k: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    return pd.DataFrame({
        "a": rng.choice([f"a{i:02d}" for i in range(k)], n),
        "b": rng.choice([f"b{i:02d}" for i in range(k)], n),
        "y": y.astype(int),
        "score": np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1),
        "dice": rng.beta(5, 2, n),
    })


@pytest.fixture
def small_budget(monkeypatch):
    """A table budget of 200,000 cells, so that 60 groups already shrink the bins (the real
    budget, 10M cells, needs more than 1,250 groups: too slow for a unit test)."""
    for module in (_tables, _sql):
        monkeypatch.setattr(module, "EXACT_MAX_CELLS", 200_000)
    monkeypatch.setattr(_tables, "TABLE_CELLS", 200_000)
    return 200_000


def _tables_of(frame, spec):
    return NumpyTables(prepare(frame, spec)), open_tables(frame, spec, "duckdb")


def test_score_bins_adapt_and_engines_agree(small_budget):
    frame = _frame(6_000, 8)  # about 64 groups, 6,000 distinct scores
    spec = AuditSpec(label="y", score=["score"], sensitive=["a", "b"], threshold=0.3)
    mine, sql = _tables_of(frame, spec)
    table, other = mine.score_table("score", probability=True), \
        sql.score_table("score", probability=True)
    assert mine.n_fine == sql.n_fine == 64 and not table.exact and not other.exact
    assert table.n.shape == other.n.shape == (64, 2, grid_bins(64)) == (64, 2, 1000)
    np.testing.assert_array_equal(table.n, other.n)
    np.testing.assert_array_equal(table.values, other.values)
    sql.b.close()
    ref = audit_spec(frame, spec, options=OPTIONS)
    assert differences(ref.to_dict(), audit_spec(frame, spec, options=OPTIONS,
                                                 engine="duckdb").to_dict()) == []
    # A threshold on the coarser grid is still read off the table, the same on both.
    assert table.aligned(0.45)
    assert differences(ref.at_threshold(0.45).to_dict(),
                       audit_spec(frame, spec, options=OPTIONS, engine="duckdb")
                       .at_threshold(0.45).to_dict()) == []


def test_value_bins_adapt_and_engines_agree(small_budget):
    frame = _frame(6_000, 8)
    spec = AuditSpec(metric=["dice"], sensitive=["a", "b"])
    mine, sql = _tables_of(frame, spec)
    table, other = mine.value_table("dice"), sql.value_table("dice")
    assert table.n.shape == other.n.shape == (64, value_bins(64)) == (64, 2048)
    assert not table.exact and not other.exact
    np.testing.assert_array_equal(table.n, other.n)
    np.testing.assert_allclose(table.value_sum, other.value_sum, rtol=1e-12)
    sql.b.close()
    assert differences(audit_spec(frame, spec, options=OPTIONS).to_dict(),
                       audit_spec(frame, spec, options=OPTIONS, engine="duckdb").to_dict()) == []


def test_group_limits_hold_on_duckdb(monkeypatch):
    n = 3000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"y": rng.integers(0, 2, n), "score": rng.random(n),
                          "id": [f"p{i % 1500}" for i in range(n)],
                          "a": rng.choice(list("abcdef"), n), "b": rng.choice(list("xyz"), n)})
    spec = AuditSpec(label="y", score=["score"], sensitive=["id"])
    messages = []
    for engine in ("numpy", "duckdb"):
        with pytest.raises(FairLensInputError) as info:
            audit_spec(frame, spec, options=OPTIONS, engine=engine)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "'id' has 1,500 distinct values, above the limit of 1,000" in messages[0]
    monkeypatch.setenv(_prepare.MAX_INTERSECTION_GROUPS_ENV, "10")
    spec = AuditSpec(label="y", score=["score"], sensitive=["a", "b"])
    messages = []
    for engine in ("numpy", "duckdb"):
        with pytest.raises(FairLensInputError) as info:
            audit_spec(frame, spec, options=OPTIONS, engine=engine)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "intersection of 'a' x 'b' has 18 groups, above the limit of 10" in messages[0]
