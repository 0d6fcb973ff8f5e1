"""Reading prediction files: CSV, TSV and Parquet from a path or bytes.

The format is recognised by content, not by the file name: Parquet by its ``PAR1`` magic bytes,
text by decoding a sample. The delimiter and the encoding (UTF-8, UTF-16 and UTF-32 with or
without a byte-order mark, cp1252, latin-1) are detected from the first 64 KiB.

Resource budgets are checked before the rows are read (:data:`MAX_COLUMNS`, :data:`MAX_ROWS`,
:data:`MAX_MEMORY_MB`): the header gives the columns, the Parquet metadata the rows and their
types, and for text the rows are estimated from the file size and the sample. Duplicate
column names are found in the raw header (before pandas renames them ``race.1``).
Every failure is raised as :class:`FairLensInputError` with a message that says how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, Literal

import pandas as pd

from fairlens._validation import env_limit
from fairlens.data import _errors as E
from fairlens.data._errors import FairLensInputError

Source = str | os.PathLike | bytes | bytearray | IO[bytes]
FileFormat = Literal["csv", "tsv", "parquet"]

_SAMPLE_BYTES = 64 * 1024
_DELIMITERS = [",", "\t", ";", "|"]
_ENCODINGS = ["utf-8-sig", "cp1252", "latin-1"]
_PARQUET_MAGIC = b"PAR1"

#: At most this many columns in a file (``$FAIRLENS_MAX_COLUMNS``); checked on the header.
MAX_COLUMNS = 2_000
MAX_COLUMNS_ENV = "FAIRLENS_MAX_COLUMNS"
#: At most this many rows are read into memory (``$FAIRLENS_MAX_ROWS``): from the Parquet
#: metadata, or estimated for text from the file size and the sample's line length.
MAX_ROWS = 20_000_000
MAX_ROWS_ENV = "FAIRLENS_MAX_ROWS"
#: At most this many MB of estimated in-memory frame (``$FAIRLENS_MAX_MEMORY_MB``): 8 bytes a
#: cell plus the text of the string columns.
MAX_MEMORY_MB = 2_048
MAX_MEMORY_MB_ENV = "FAIRLENS_MAX_MEMORY_MB"
#: The header of a text file is read up to this many bytes (a wide file's header is long).
_HEADER_BYTES = 8 * 2**20
#: Byte-order marks, longest first (a UTF-32 LE mark starts like a UTF-16 LE one).
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def _head_bytes(source: Source, n: int = _SAMPLE_BYTES) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[:n])
    if hasattr(source, "read"):
        pos = source.tell()
        head = source.read(n)
        source.seek(pos)
        return head
    try:
        with open(source, "rb") as fh:
            return fh.read(n)
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
        ``"utf-16"`` / ``"utf-32"`` for text with a byte-order mark, ``"utf-16-le"`` ...
        for UTF-16/32 text without one, ``"utf-8-sig"`` for UTF-8 (with or without BOM),
        else ``"cp1252"`` or ``"latin-1"``.
    """
    wide = _wide_encoding(sample)
    if wide:
        return wide
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


def _wide_encoding(sample: bytes) -> str | None:
    """UTF-16 or UTF-32 by byte-order mark, or by the zero bytes of mostly-ASCII text."""
    for bom, enc in _BOMS:
        if sample.startswith(bom):
            return enc
    head = sample[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    for width, encs in ((4, ("utf-32-le", "utf-32-be")), (2, ("utf-16-le", "utf-16-be"))):
        n = len(head) // width * width
        units = [head[i:i + width] for i in range(0, n, width)]
        if not units:
            continue
        for enc in encs:
            little = enc.endswith("le")
            zeros = sum(1 for u in units if (u[1:] if little else u[:-1]) == bytes(width - 1))
            if zeros / len(units) < 0.6:
                continue
            try:
                text = head[:n].decode(enc)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return enc
    return None


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
    wide = _wide_encoding(sample)
    if wide:
        text = sample.decode(wide, errors="ignore").lstrip("\ufeff")
        if not text.strip():
            raise FairLensInputError(E.EMPTY_FILE)
        return "csv"
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
        For empty, binary, unparsable or oversized input, duplicate column names, nested
        columns, and files above the budgets (:data:`MAX_COLUMNS`, :data:`MAX_ROWS`,
        :data:`MAX_MEMORY_MB`), all before the rows are read. No other exception escapes.
    """
    size = _size_of(source)
    if max_bytes is not None and size is not None and size > max_bytes:
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
            frame = _read_parquet(buffer)
        else:
            enc = encoding or detect_encoding(head)
            text = head.decode(enc, errors="replace")
            sep = "\t" if detected == "tsv" else delimiter or detect_delimiter(text)
            header = _check_text_budget(source, head, text, enc, sep, size)
            frame = pd.read_csv(
                buffer,
                sep=sep,
                encoding=enc,
                encoding_errors="strict",
                skipinitialspace=True,
                low_memory=False,
            )
            _check_duplicates(frame, header)
    except FairLensInputError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise FairLensInputError(E.EMPTY_FILE) from exc
    except UnicodeError as exc:
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        raise FairLensInputError(
            E.NOT_A_TABLE.format(detail=f"text encoding error{where}")
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a clear message
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FairLensInputError(E.NOT_A_TABLE.format(detail=detail[:200])) from exc
    return _check_frame(frame)


def duplicate_names(names: Iterable[Any]) -> list[str]:
    """The names that occur more than once, sorted (one pass: linear in the number of names)."""
    return sorted(str(n) for n, k in Counter(names).items() if k > 1)


def _check_names(names: list[str]) -> None:
    """The header's budget: at most :data:`MAX_COLUMNS` columns."""
    limit = env_limit(MAX_COLUMNS_ENV, MAX_COLUMNS)
    if len(names) > limit:
        raise FairLensInputError(E.TOO_MANY_COLUMNS.format(n=len(names), limit=limit,
                                                           env=MAX_COLUMNS_ENV))


def _same_values(a: pd.Series, b: pd.Series) -> bool:
    if a.equals(b):
        return True
    try:
        return bool(((a == b) | (a.isna() & b.isna())).all())
    except (TypeError, ValueError):
        return bool(a.astype(str).equals(b.astype(str)))


def _check_duplicates(frame: pd.DataFrame, header: list[str]) -> None:
    """Names repeated in the raw header: an exact copy stays (pandas reads it as ``name.1``,
    the column screening leaves it out as a duplicate); a repeated name with other values is
    refused, naming it, since the audit would silently read only the first."""
    dupes = duplicate_names(n for n in header if n)
    if not dupes:
        return
    if len(header) != frame.shape[1]:
        raise FairLensInputError(E.DUPLICATE_COLUMNS.format(cols=", ".join(map(repr, dupes))))
    differ = []
    for name in dupes:
        at = [i for i, n in enumerate(header) if n == name]
        first = frame.iloc[:, at[0]]
        if not all(_same_values(first, frame.iloc[:, i]) for i in at[1:]):
            differ.append(f"{name!r} (columns {', '.join(str(i + 1) for i in at)})")
    if differ:
        raise FairLensInputError(E.DUPLICATE_COLUMNS.format(cols=", ".join(differ)))


def _check_rows(rows: int, memory: float, *, estimated: bool) -> None:
    """Refuse, before reading, more than :data:`MAX_ROWS` rows or :data:`MAX_MEMORY_MB`."""
    limit = env_limit(MAX_ROWS_ENV, MAX_ROWS)
    limit_mb = env_limit(MAX_MEMORY_MB_ENV, MAX_MEMORY_MB)
    if rows > limit or memory > limit_mb * 2**20:
        shown = f"about {rows:,}" if estimated else f"{rows:,}"
        raise FairLensInputError(E.TOO_MANY_ROWS.format(
            rows=shown, memory=_size_text(memory), limit=limit,
            limit_memory=_size_text(limit_mb * 2**20), env_rows=MAX_ROWS_ENV,
            env_mb=MAX_MEMORY_MB_ENV))


def _size_text(n_bytes: float) -> str:
    """``1.2 GB`` from 1 GB up, else ``35 MB``."""
    return f"{n_bytes / 2**30:.1f} GB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:,.0f} MB"


def _header_record(text: str, sep: str) -> tuple[list[str], int | None]:
    """The first non-blank record of ``text`` (names stripped, as pandas reads them) and the
    offset where the data lines start (None when no line ends after the header)."""
    if len(sep) != 1:  # a regular expression or a long separator: pandas' own business
        return [], None
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=sep, skipinitialspace=True)
    try:
        for record in reader:
            if any(field.strip() for field in record):
                end = stream.tell()
                complete = end < len(text) or text.endswith(("\n", "\r"))
                return [field.strip() for field in record], end if complete else None
    except csv.Error:
        pass
    return [], None


def _check_text_budget(source: Source, head: bytes, text: str, enc: str, sep: str,
                       size: int | None) -> list[str]:
    """The raw header's names (checked against :data:`MAX_COLUMNS`); rows and memory
    estimated from the file size and the sample's lines, before pandas reads anything."""
    names, data_start = _header_record(text, sep)
    if data_start is None and len(head) >= _SAMPLE_BYTES:
        # A wide file: the header is longer than the sample.
        head = _head_bytes(source, _HEADER_BYTES)
        text = head.decode(enc, errors="replace")
        names, data_start = _header_record(text, sep)
        if data_start is None:
            names = names[:-1]  # the last name may be cut
    _check_names(names)
    if size is None or size <= len(head) or data_start is None:
        return names
    body = text[data_start:]
    lines = max(body.count("\n"), body.count("\r")) - (0 if body.endswith(("\n", "\r")) else 1)
    if lines < 1:
        return names
    per_char = len(head) / max(len(text), 1)
    body_bytes = len(body) * per_char
    rows = int((size - data_start * per_char) / (body_bytes / max(lines, 1)))
    text_share = _text_share(body, sep)
    memory = rows * max(len(names), 1) * 8 + size * text_share
    _check_rows(rows, memory, estimated=True)
    return names


def _text_share(body: str, sep: str) -> float:
    """The share of the sample's characters in cells that are not numbers (kept as text)."""
    total = text = 0
    try:
        for i, record in enumerate(csv.reader(io.StringIO(body, newline=""), delimiter=sep)):
            if i >= 200:
                break
            for cell in record:
                total += len(cell) + 1
                try:
                    float(cell)
                except ValueError:
                    text += len(cell) + 1
    except csv.Error:
        return 1.0
    return text / total if total else 1.0


def _read_parquet(buffer: Any) -> pd.DataFrame:
    """A Parquet file read after its metadata passed the budgets and the column contract."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pos = buffer.tell() if hasattr(buffer, "tell") else None
    parquet = pq.ParquetFile(buffer)
    schema = parquet.schema_arrow
    header = [str(n).strip() for n in schema.names]
    _check_names(header)
    nested = [(f.name, str(f.type)) for f in schema
              if pa.types.is_nested(f.type) or (pa.types.is_dictionary(f.type)
                                                and pa.types.is_nested(f.type.value_type))]
    if nested:
        raise FairLensInputError(E.NESTED_COLUMNS.format(
            cols=", ".join(repr(n) for n, _ in nested[:10]),
            types=", ".join(sorted({t.split("<")[0] for _, t in nested}))))
    meta = parquet.metadata
    rows = int(meta.num_rows)
    text_bytes = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            column = group.column(c)
            if column.physical_type == "BYTE_ARRAY":
                text_bytes += int(column.total_uncompressed_size)
    _check_rows(rows, rows * max(len(schema.names), 1) * 8 + text_bytes, estimated=False)
    if pos is not None and hasattr(buffer, "seek"):
        buffer.seek(pos)
    if not duplicate_names(header):
        return pd.read_parquet(buffer)
    # pandas cannot read repeated names: name the copies as its CSV reader does (race.1).
    table = parquet.read()
    seen: Counter = Counter()
    names = []
    for n in schema.names:
        names.append(f"{n}.{seen[n]}" if seen[n] else n)
        seen[n] += 1
    out = io.BytesIO()
    pq.write_table(table.rename_columns(names), out)
    out.seek(0)
    frame = pd.read_parquet(out)
    _check_duplicates(frame, header)
    return frame


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
    dupes = duplicate_names(frame.columns)
    if dupes:
        raise FairLensInputError(E.DUPLICATE_COLUMNS.format(cols=", ".join(map(repr, dupes))))
    return frame


def clean_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame given through the API with text column names, unique.

    FairLens names columns by text: non-string names (``0, 1, 2`` of a NumPy array) become
    their text when that stays unique; a frame is returned as it is when its names are
    already unique text.

    Raises
    ------
    FairLensInputError
        When names repeat (``frame["race"]`` would be a frame) or two names print the same.
    """
    names = list(frame.columns)
    dupes = duplicate_names(names)
    if dupes:
        raise FairLensInputError(E.DUPLICATE_FRAME_COLUMNS.format(
            cols=", ".join(map(repr, dupes))))
    if all(isinstance(n, str) for n in names):
        return frame
    text = [str(n) for n in names]
    clash = duplicate_names(text)
    if clash:
        same = [n for n in names if str(n) == clash[0]]
        raise FairLensInputError(E.COLUMN_NAMES_CLASH.format(
            cols=", ".join(map(repr, same)), text=clash[0]))
    return frame.set_axis(text, axis=1)
