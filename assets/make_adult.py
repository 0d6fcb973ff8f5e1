"""Derive the compact Adult sample shipped with FairLens.

Reads ``../shared/data/adult/adult.data`` and ``adult.test`` (relative to the repository root; the
UCI Adult / "Census Income" files) and writes ``fairlens/datasets/data/adult.csv.gz``, the asset
behind :func:`fairlens.datasets.load_adult`.

The derivation keeps every row of both files (32,561 + 16,281), marks which file a row came from
in ``split`` ("train" / "test"), turns the label into ``income`` (1 for ">50K", also when the test
file writes ">50K."), strips the spaces after the commas, writes the source's "?" as an empty
(missing) cell, and drops ``fnlwgt`` (a census sampling weight, not a person's attribute) and
``education`` (the same information as ``education_num``). The gzip header carries no timestamp,
so running the script twice gives byte-identical output.

Usage (from the repository root)::

    .venv/bin/python assets/make_adult.py [--source DIR] [--out PATH]
"""

from __future__ import annotations

import sys
from pathlib import Path

import _sample_file
import pandas as pd
from _sample_file import write

__all__ = ["derive", "main", "write"]

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "adult"
TARGET = ROOT / "fairlens" / "datasets" / "data" / "adult.csv.gz"
EXPECTED_ROWS = {"train": 32561, "test": 16281}

RAW_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
]
COLUMNS = [
    "age", "workclass", "education_num", "marital_status", "occupation", "relationship", "race",
    "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country", "income", "split",
]


def derive(source: Path) -> pd.DataFrame:
    """Read the two UCI files and return the compact frame.

    Parameters
    ----------
    source : Path
        The folder holding ``adult.data`` and ``adult.test``.

    Returns
    -------
    DataFrame
        The columns :data:`COLUMNS`, training rows first, in file order.

    Raises
    ------
    ValueError
        When the files do not look like the expected source.
    """
    parts = []
    for split, name in (("train", "adult.data"), ("test", "adult.test")):
        raw = pd.read_csv(source / name, header=None, names=RAW_COLUMNS, skipinitialspace=True,
                          na_values="?", skiprows=1 if split == "test" else 0)
        raw = raw.dropna(how="all")
        if len(raw) != EXPECTED_ROWS[split]:
            raise ValueError(f"{source / name} has {len(raw)} rows, expected "
                             f"{EXPECTED_ROWS[split]}; is it the UCI Adult file?")
        label = raw["income"].str.rstrip(".")
        if not set(label) <= {">50K", "<=50K"}:
            raise ValueError(f"{source / name}: unexpected income values {sorted(set(label))}")
        raw["income"] = (label == ">50K").astype(int)
        raw["split"] = split
        parts.append(raw)
    frame = pd.concat(parts, ignore_index=True)
    for col in ("age", "education_num", "capital_gain", "capital_loss", "hours_per_week"):
        frame[col] = frame[col].astype("int64")
    return frame[COLUMNS]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    return _sample_file.main(derive, description=__doc__.splitlines()[0], source=SOURCE,
                             target=TARGET, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
