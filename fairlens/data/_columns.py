"""The one translation behind every column-keyword convenience.

``fairlens.audit(data, label=..., score=...)``, ``fairlens.labels.label_issues(...)``,
``fairlens.labels.analyze_labels(...)`` and ``fairlens.slices.find_slices(...)`` name the
columns by keyword; each turns them into a frame and an :class:`AuditSpec` here and then calls
its ``<verb>_spec`` entry point.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from fairlens.data._load import clean_columns, read_table
from fairlens.data._spec import AuditSpec

Data = pd.DataFrame | str | os.PathLike | bytes


def frame_and_spec(data: Data, **columns: Any) -> tuple[pd.DataFrame, AuditSpec]:
    """The frame of ``data`` and the :class:`AuditSpec` of the column keywords.

    Parameters
    ----------
    data : DataFrame, path or bytes
        A frame is used as it is (column names as text, each once); a path or bytes are
        read with :func:`read_table`.
    **columns
        The roles, as :meth:`AuditSpec.from_columns` takes them.
    """
    frame = clean_columns(data) if isinstance(data, pd.DataFrame) else read_table(data)
    return frame, AuditSpec.from_columns(**columns)
