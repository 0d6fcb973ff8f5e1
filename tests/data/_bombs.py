"""Small files that would take a lot of memory or time to audit (issue 15's findings 2 and 3).

Each writer is cheap (a second or less) and returns the file's path; tests share them through
module- or session-scoped fixtures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Distinct values of the high-cardinality sensitive column (a 1.9 MB CSV).
MANY_VALUES = 100_000
#: Rows of the Parquet bomb (well under 1 MB on disk).
BOMB_ROWS = 40_000_000
#: Columns of the wide file (about 200 KB).
WIDE_COLUMNS = 20_000


def many_values_csv(folder: Path, n: int = MANY_VALUES) -> Path:
    """A CSV whose ``race`` column has ``n`` distinct values (one per row)."""
    rng = np.random.default_rng(0)
    lines = ["label,score,race"]
    labels, scores = rng.integers(0, 2, n), rng.random(n).round(3)
    lines += [f"{y},{s},g{i}" for i, (y, s) in enumerate(zip(labels, scores, strict=True))]
    path = folder / "many_values.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def parquet_bomb(folder: Path, rows: int = BOMB_ROWS) -> Path:
    """A Parquet file of ``rows`` constant rows: a few hundred KB on disk, about 1 GB as a
    frame (three columns of 8 bytes a cell)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = 4_000_000
    table = pa.table({"label": pa.array(np.zeros(chunk, dtype=np.int8)),
                      "score": pa.array(np.full(chunk, 0.5, dtype=np.float32)),
                      "race": pa.array(np.zeros(chunk, dtype=np.int8))})
    path = folder / "bomb.parquet"
    with pq.ParquetWriter(path, table.schema, compression="none") as writer:
        for _ in range(rows // chunk):
            writer.write_table(table)
    return path


def shared(factory, writer) -> Path:
    """``writer``'s file, written once per test session (``factory``: ``tmp_path_factory``)."""
    folder = factory.getbasetemp() / "fairlens-bombs"
    folder.mkdir(exist_ok=True)
    done = folder / f"{writer.__name__}.done"
    if done.is_file():
        return Path(done.read_text())
    path = writer(folder)
    done.write_text(str(path))
    return path


def wide_csv(folder: Path, columns: int = WIDE_COLUMNS) -> Path:
    """A CSV of ``columns`` columns and two rows (about 200 KB)."""
    names = ["label", "score", "race"] + [f"c{i}" for i in range(columns - 3)]
    row = ["1", "0.5", "a"] + ["0"] * (columns - 3)
    other = ["0", "0.2", "b"] + ["1"] * (columns - 3)
    path = folder / "wide.csv"
    path.write_text("\n".join(",".join(r) for r in (names, row, other)) + "\n")
    return path
