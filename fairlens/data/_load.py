"""Reading prediction files: CSV, TSV and Parquet from a path or bytes.

The format is recognised by content, not by the file name: Parquet by its ``PAR1`` magic bytes,
text by decoding a sample. The delimiter and the encoding are detected from the first 64 KiB.
Every failure is raised as :class:`FairLensInputError` with a message that says how to fix it.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import IO, Literal

import pandas as pd

from fairlens.data import _errors as E
from fairlens.data._errors import FairLensInputError

Source = str | os.PathLike | bytes | bytearray | IO[bytes]
FileFormat = Literal["csv", "tsv", "parquet"]

_SAMPLE_BYTES = 64 * 1024
_DELIMITERS = [",", "\t", ";", "|"]
_ENCODINGS = ["utf-8-sig", "cp1252", "latin-1"]
_PARQUET_MAGIC = b"PAR1"


def _head_bytes(source: Source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[:_SAMPLE_BYTES])
    if hasattr(source, "read"):
        pos = source.tell()
        head = source.read(_SAMPLE_BYTES)
        source.seek(pos)
        return head
    try:
        with open(source, "rb") as fh:
            return fh.read(_SAMPLE_BYTES)
    except FileNotFoundError as exc:
        raise FairLensInputError(f"File not found: {os.fspath(source)!r}.") from exc
    except IsADirectoryError as exc:
        raise FairLensInputError(f"{os.fspath(source)!r} is a folder, not a file.") from exc
    except OSError as exc:
        raise FairLensInputError(f"Could not open {os.fspath(source)!r}: {exc.strerror}.") from exc


def detect_encoding(sample: bytes) -> str:
    """Return the first encoding in a short preference list that decodes ``sample``.

    Parameters
    ----------
    sample : bytes
        The first bytes of the file (a multi-byte character may be cut at the end).

    Returns
    -------
    str
        ``"utf-8-sig"`` for UTF-8 (with or without BOM), else ``"cp1252"`` or ``"latin-1"``.
    """
    for enc in _ENCODINGS:
        try:
            sample.decode(enc)
            return enc
        except UnicodeDecodeError as exc:
            # A UTF-8 character cut by the sample boundary is still UTF-8.
            cut = len(sample) >= _SAMPLE_BYTES and exc.start >= len(sample) - 3
            if enc == "utf-8-sig" and cut and exc.reason == "unexpected end of data":
                return enc
    return "latin-1"


def detect_delimiter(text: str) -> str:
    """Guess the field delimiter of delimited text.

    Uses :class:`csv.Sniffer` restricted to comma, tab, semicolon and pipe; falls back to the
    candidate that occurs most consistently across the first lines.
    """
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        pass
    best, best_score = ",", -1.0
    for d in _DELIMITERS:
        counts = [ln.count(d) for ln in lines]
        if counts[0] == 0:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * 1000 + counts[0]
        if score > best_score:
            best, best_score = d, score
    return best


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    text_bytes = bytes(range(32, 127)) + b"\n\r\t\f\b"
    nontext = sum(1 for b in sample[:4096] if b < 128 and b not in text_bytes)
    return nontext / min(len(sample), 4096) > 0.05


def sniff_format(sample: bytes) -> FileFormat:
    """Tell Parquet from delimited text by content.

    Raises
    ------
    FairLensInputError
        When the bytes are empty or look like binary data that is not Parquet.
    """
    if not sample.strip():
        raise FairLensInputError(E.EMPTY_FILE)
    if sample[:4] == _PARQUET_MAGIC:
        return "parquet"
    if _looks_binary(sample):
        raise FairLensInputError(E.NOT_A_TABLE.format(detail="the content is binary, not text"))
    return "csv"


def read_table(
    source: Source,
    *,
    fmt: FileFormat | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file into a DataFrame.

    Parameters
    ----------
    source : path, bytes or binary file object
        Where to read from.
    fmt : {"csv", "tsv", "parquet"}, optional
        Force a format; by default it is detected from the content.
    encoding, delimiter : str, optional
        Force the text encoding or the field delimiter; by default detected.
    max_bytes : int, optional
        Refuse inputs larger than this many bytes with a clear message.

    Returns
    -------
    pandas.DataFrame
        At least one row and one column, with unique column names.

    Raises
    ------
    FairLensInputError
        For empty, binary, unparsable or oversized input. No other exception escapes.
    """
    if max_bytes is not None:
        size = _size_of(source)
        if size is not None and size > max_bytes:
            raise FairLensInputError(
                E.FILE_TOO_LARGE.format(
                    size_mb=size / 2**20,
                    limit_mb=max_bytes / 2**20,
                    hint="Use the command line (`fairlens audit FILE ...`) for large files.",
                )
            )
    head = _head_bytes(source)
    detected = sniff_format(head) if fmt is None else fmt
    if detected not in ("csv", "tsv", "parquet"):
        raise FairLensInputError(E.UNSUPPORTED_FORMAT.format(fmt=detected))
    buffer = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source
    try:
        if detected == "parquet":
            frame = pd.read_parquet(buffer)
        else:
            enc = encoding or detect_encoding(head)
            sep = "\t" if detected == "tsv" else delimiter or detect_delimiter(
                head.decode(enc, errors="replace")
            )
            frame = pd.read_csv(
                buffer,
                sep=sep,
                encoding=enc,
                encoding_errors="strict",
                skipinitialspace=True,
                low_memory=False,
            )
    except FairLensInputError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise FairLensInputError(E.EMPTY_FILE) from exc
    except UnicodeDecodeError as exc:
        raise FairLensInputError(
            E.NOT_A_TABLE.format(detail=f"text encoding error at byte {exc.start}")
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a clear message
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FairLensInputError(E.NOT_A_TABLE.format(detail=detail[:200])) from exc
    return _check_frame(frame)


def _size_of(source: Source) -> int | None:
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    if hasattr(source, "read"):
        try:
            pos = source.tell()
            source.seek(0, io.SEEK_END)
            end = source.tell()
            source.seek(pos)
            return end - pos
        except (OSError, AttributeError):
            return None
    try:
        return Path(source).stat().st_size
    except OSError:
        return None


def _check_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    # Drop the unnamed empty column produced by a trailing delimiter on every line.
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:") and frame[c].isna().all()]
    if unnamed:
        frame = frame.drop(columns=unnamed)
    if frame.shape[1] == 0:
        raise FairLensInputError(E.EMPTY_FILE)
    if len(frame) == 0:
        raise FairLensInputError(E.NO_DATA_ROWS)
    dupes = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if dupes:
        raise FairLensInputError(E.DUPLICATE_COLUMNS.format(cols=", ".join(map(repr, dupes))))
    return frame
