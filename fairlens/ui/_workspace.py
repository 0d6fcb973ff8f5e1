"""Saved workspaces on disk: the data as Parquet plus the mapping and settings as JSON.

A workspace is one JSON document ``workspaces/<id>.json`` that points at a Parquet file in
``data/`` named by the content hash of the data, so several workspaces of the same file share
one copy. Nothing is pickled: a workspace can be read back by any version of FairLens that
understands its ``schema``.

Workspaces are private until saved on purpose: each has a random 64-bit id (the app puts it in
the page address so that a refresh reopens it), and only workspaces marked ``listed`` appear in
the list that every user of the server sees.

This module does not import streamlit, so it can be used and tested on its own.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

WORKSPACE_SCHEMA = "fairlens.workspace/1"
WORKSPACE_DIR_ENV = "FAIRLENS_WORKSPACE_DIR"
DEFAULT_WORKSPACE_DIR = Path("~/.fairlens/workspaces")
_ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
_KEY_PATTERN = re.compile(r"^[0-9a-f]{16,64}$")


def workspace_root() -> Path:
    """The workspace folder: ``$FAIRLENS_WORKSPACE_DIR`` or ``~/.fairlens/workspaces``."""
    configured = os.environ.get(WORKSPACE_DIR_ENV)
    return Path(configured).expanduser() if configured else DEFAULT_WORKSPACE_DIR.expanduser()


def _now() -> str:
    """The current time in UTC to the second (ISO 8601), as workspaces record it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def is_workspace_id(value: Any) -> bool:
    """True when ``value`` has the form of a workspace id (16 lowercase hex digits)."""
    return isinstance(value, str) and bool(_ID_PATTERN.match(value))


@dataclass
class Workspace:
    """One saved analysis: which data, how its columns are mapped, and the audit settings.

    Attributes
    ----------
    id : str
        16 hex digits; also the file name of the JSON document.
    name : str
        Display name (the file name or the sample's name unless the user renames it).
    data_key : str
        Content hash of the data; names the Parquet file.
    source : dict
        Where the data came from: ``{"kind": "upload", "filename": ...}`` or
        ``{"kind": "sample", "sample": ...}``.
    spec : dict
        :meth:`fairlens.AuditSpec.to_dict` of the column mapping.
    settings : dict
        Audit settings (threshold, reference groups, minimum group size, intervals).
    listed : bool
        Shown in the shared list of saved workspaces.
    n_rows, n_columns : int
    columns : list of str
        Column names of the data.
    created, updated : str
        ISO 8601 times (UTC).
    """

    id: str
    name: str
    data_key: str
    source: dict[str, Any]
    spec: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    listed: bool = False
    n_rows: int = 0
    n_columns: int = 0
    columns: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON document."""
        return {"schema": WORKSPACE_SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workspace:
        """Read a JSON document written by :meth:`to_dict` (unknown keys are ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class WorkspaceError(ValueError):
    """A workspace cannot be found, read or written; the message says why."""


class WorkspaceStore:
    """Workspaces in a folder.

    Parameters
    ----------
    root : path, optional
        The folder; default :func:`workspace_root`. It is created on the first save.
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else workspace_root()

    @property
    def _docs(self) -> Path:
        return self.root / "workspaces"

    @property
    def _data(self) -> Path:
        return self.root / "data"

    def data_path(self, data_key: str) -> Path:
        """Path of the Parquet file holding the data with this content hash."""
        if not _KEY_PATTERN.match(data_key):
            raise WorkspaceError(f"Invalid data key {data_key!r}.")
        return self._data / f"{data_key}.parquet"

    def stored_data_path(self, data_key: str) -> Path:
        """:meth:`data_path` of data that is stored; WorkspaceError when it is missing."""
        path = self.data_path(data_key)
        if not path.is_file():
            raise WorkspaceError(f"The data of this workspace ({path.name}) is missing.")
        return path

    def has_data(self, data_key: str) -> bool:
        """True when the data with this content hash is already stored."""
        return self.data_path(data_key).is_file()

    def _doc_path(self, workspace_id: str) -> Path:
        if not is_workspace_id(workspace_id):
            raise WorkspaceError(f"{workspace_id!r} is not a workspace id.")
        return self._docs / f"{workspace_id}.json"

    @staticmethod
    def _write_atomic(path: Path, write) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            write(Path(tmp))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def store_data(self, data_key: str, frame: pd.DataFrame) -> Path:
        """Write ``frame`` as Parquet under its content hash (once; later calls reuse it).

        Raises
        ------
        WorkspaceError
            When the frame cannot be written as Parquet.
        """
        path = self.data_path(data_key)
        if path.is_file():
            return path
        try:
            self._write_atomic(path, lambda p: frame.to_parquet(p, index=False))
        except (ValueError, TypeError, OSError, ImportError) as exc:
            raise WorkspaceError(f"Could not save the data as Parquet: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - pyarrow raises its own exception types
            raise WorkspaceError(f"Could not save the data as Parquet: {exc}") from exc
        return path

    def load_data(self, data_key: str) -> pd.DataFrame:
        """Read the data with this content hash.

        Raises
        ------
        WorkspaceError
            When the file is missing or unreadable.
        """
        path = self.stored_data_path(data_key)
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure becomes a clear message
            raise WorkspaceError(f"Could not read {path.name}: {exc}") from exc

    def load_head(self, data_key: str, n: int) -> pd.DataFrame:
        """The first ``n`` rows of the data with this content hash, reading only the first row
        group(s) of the file (a preview of a big upload without loading it).

        Raises
        ------
        WorkspaceError
            When the file is missing or unreadable.
        """
        import pyarrow.parquet as pq

        path = self.stored_data_path(data_key)
        try:
            first = next(pq.ParquetFile(path).iter_batches(batch_size=max(int(n), 1)), None)
            if first is None:
                return pd.read_parquet(path).head(n)
            return first.to_pandas().head(n)
        except Exception as exc:  # noqa: BLE001 - any reader failure becomes a clear message
            raise WorkspaceError(f"Could not read {path.name}: {exc}") from exc

    def create(
        self,
        *,
        name: str,
        data_key: str,
        frame: pd.DataFrame,
        source: dict[str, Any],
        spec: dict[str, Any],
        settings: dict[str, Any],
        listed: bool = False,
    ) -> Workspace:
        """Store the data (if new) and a new workspace document pointing at it."""
        self.store_data(data_key, frame)
        now = _now()
        ws = Workspace(
            id=secrets.token_hex(8), name=name, data_key=data_key, source=dict(source),
            spec=dict(spec), settings=dict(settings), listed=listed,
            n_rows=int(frame.shape[0]), n_columns=int(frame.shape[1]),
            columns=[str(c) for c in frame.columns], created=now, updated=now,
        )
        self.save(ws)
        return ws

    def save(self, workspace: Workspace) -> Workspace:
        """Write the workspace document (its ``updated`` time is set to now)."""
        workspace.updated = _now()
        text = json.dumps(workspace.to_dict(), indent=2, default=_json_default)
        self._write_atomic(self._doc_path(workspace.id), lambda p: p.write_text(text, "utf-8"))
        return workspace

    def get(self, workspace_id: str) -> Workspace:
        """Read one workspace document.

        Raises
        ------
        WorkspaceError
            When there is no such workspace or its document is unreadable.
        """
        path = self._doc_path(workspace_id)
        if not path.is_file():
            raise WorkspaceError(f"Workspace {workspace_id} does not exist (any more).")
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise WorkspaceError(f"Workspace {workspace_id} is unreadable: {exc}") from exc
        if data.get("schema") != WORKSPACE_SCHEMA:
            raise WorkspaceError(
                f"Workspace {workspace_id} has schema {data.get('schema')!r}; this version "
                f"of FairLens reads {WORKSPACE_SCHEMA!r}.")
        return Workspace.from_dict(data)

    def list(self, *, listed_only: bool = True) -> list[Workspace]:
        """Workspaces, most recently updated first (unreadable documents are skipped)."""
        if not self._docs.is_dir():
            return []
        out = []
        for path in self._docs.glob("*.json"):
            try:
                ws = self.get(path.stem)
            except WorkspaceError:
                continue
            if ws.listed or not listed_only:
                out.append(ws)
        return sorted(out, key=lambda w: w.updated, reverse=True)

    def delete(self, workspace_id: str) -> None:
        """Remove a workspace, and its data when no other workspace uses it."""
        ws = self.get(workspace_id)
        self._doc_path(workspace_id).unlink(missing_ok=True)
        if not any(w.data_key == ws.data_key for w in self.list(listed_only=False)):
            self.data_path(ws.data_key).unlink(missing_ok=True)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
