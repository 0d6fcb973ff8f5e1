"""Machine-readable exports: the JSON document and one formula-safe CSV per table."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from fairlens._csv import to_csv_bytes
from fairlens.report._report import Report


def report_json(report: Report) -> str:
    """The report's JSON document (schema ``fairlens.report/1``; NaN written as null)."""
    return json.dumps(report.to_dict(), indent=2, allow_nan=False, default=str)


def csv_files(report: Report) -> dict[str, bytes]:
    """``{file name: formula-safe CSV bytes}``, one file per table of the report."""
    out = {}
    for name, frame in report.tables().items():
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "table"
        out[f"{safe}.csv"] = to_csv_bytes(frame)
    return out


def write_csv_dir(report: Report, folder: str | Path) -> list[Path]:
    """Write :func:`csv_files` into ``folder`` (created when missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in csv_files(report).items():
        path = folder / name
        path.write_bytes(content)
        written.append(path)
    return written


def csv_zip(report: Report) -> bytes:
    """:func:`csv_files` in one ZIP archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in csv_files(report).items():
            z.writestr(name, content)
    return buffer.getvalue()
