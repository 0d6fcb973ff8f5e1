"""Saved workspaces on disk: the data as Parquet plus the mapping and settings as JSON.

A workspace is one JSON document ``workspaces/<id>.json`` that points at a Parquet file in
``data/`` named by the content hash of the data, so several workspaces of the same file share
one copy. Nothing is pickled: a workspace can be read back by any version of FairLens that
understands its ``schema``.

Workspaces are private until saved on purpose: each has a random 64-bit id (the app puts it in
the page address so that a refresh reopens it), and only workspaces marked ``listed`` appear in
the list that every user of the server sees.

Every workspace has an owner: the document keeps the SHA-256 of the owner's secret (a random
token of the browser session that created it, or the logged-in user's identity), never the
secret itself. Only the owner's secret changes or deletes it (:meth:`WorkspaceStore.save`,
:meth:`WorkspaceStore.delete` check it against the document on disk); anyone with the id may
read it or copy it. Unsaved workspaces (not ``listed``) expire after
``$FAIRLENS_WORKSPACE_TTL_HOURS`` hours without a change, and the folder holds at most
``$FAIRLENS_WORKSPACE_QUOTA_MB`` MB.

This module does not import streamlit, so it can be used and tested on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

WORKSPACE_SCHEMA = "fairlens.workspace/1"
WORKSPACE_DIR_ENV = "FAIRLENS_WORKSPACE_DIR"
DEFAULT_WORKSPACE_DIR = Path("~/.fairlens/workspaces")
TTL_ENV = "FAIRLENS_WORKSPACE_TTL_HOURS"
DEFAULT_TTL_HOURS = 168
"""Unsaved workspaces are removed after this many hours without a change (7 days)."""
QUOTA_ENV = "FAIRLENS_WORKSPACE_QUOTA_MB"
DEFAULT_QUOTA_MB = 10_240
"""Most megabytes the workspace folder of one server holds (data and documents, 10 GB)."""
MSG_NOT_OWNER = ("Workspace {name!r} belongs to another session (or user): you can open it and "
                 "copy it, but not change or delete it.")
MSG_NO_OWNER = ("Workspace {name!r} has no owner (saved by a script or an earlier version of "
                "FairLens): it is read-only; open it and change it to get your own copy.")
MSG_QUOTA = ("The server's workspace folder is full ({used} of {quota} MB): this data cannot be "
             "saved. Delete workspaces you no longer need (sidebar, Saved workspaces), or ask "
             "whoever runs the server to raise FAIRLENS_WORKSPACE_QUOTA_MB.")
_ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
_KEY_PATTERN = re.compile(r"^[0-9a-f]{16,64}$")


def workspace_root() -> Path:
    """The workspace folder: ``$FAIRLENS_WORKSPACE_DIR`` or ``~/.fairlens/workspaces``."""
    configured = os.environ.get(WORKSPACE_DIR_ENV)
    return Path(configured).expanduser() if configured else DEFAULT_WORKSPACE_DIR.expanduser()


def owner_hash(secret: str) -> str:
    """What a workspace stores of its owner's secret: a SHA-256 (hex), never the secret."""
    return hashlib.sha256(f"fairlens-workspace-owner:{secret}".encode()).hexdigest()


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        return float(text) if text else float(default)
    except ValueError:
        return float(default)


def ttl_hours() -> float:
    """Hours an unsaved workspace lives without a change (``$FAIRLENS_WORKSPACE_TTL_HOURS``,
    default :data:`DEFAULT_TTL_HOURS`; read on every call)."""
    return _env_number(TTL_ENV, DEFAULT_TTL_HOURS)


def quota_bytes() -> int:
    """Most bytes the workspace folder holds (``$FAIRLENS_WORKSPACE_QUOTA_MB``, default
    :data:`DEFAULT_QUOTA_MB`; read on every call)."""
    return int(_env_number(QUOTA_ENV, DEFAULT_QUOTA_MB) * 2**20)


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
    owner : str
        :func:`owner_hash` of the owner's secret ("" for workspaces of earlier versions, which
        are read-only).
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
    owner: str = ""
    n_rows: int = 0
    n_columns: int = 0
    columns: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""

    def owned_by(self, secret: str | None) -> bool:
        """True when ``secret`` is the owner's (compared in constant time)."""
        return bool(self.owner and secret) and hmac.compare_digest(self.owner,
                                                                    owner_hash(str(secret)))

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
        secret: str | None = None,
        listed: bool = False,
    ) -> Workspace:
        """Store the data (if new) and a new workspace document pointing at it, owned by
        ``secret`` (without one, e.g. from a script, it has no owner: read-only in the app,
        where a change goes to a copy). Expired workspaces are removed first.

        Raises
        ------
        WorkspaceError
            When the data cannot be written, or the folder would exceed its quota.
        """
        self.prune()
        new_data = not self.has_data(data_key)
        self.store_data(data_key, frame)
        used, quota = self.used_bytes(), quota_bytes()
        if used > quota:
            if new_data:
                self.data_path(data_key).unlink(missing_ok=True)
            raise WorkspaceError(MSG_QUOTA.format(used=f"{used / 2**20:,.0f}",
                                                  quota=f"{quota / 2**20:,.0f}"))
        now = _now()
        ws = Workspace(
            id=secrets.token_hex(8), name=name, data_key=data_key, source=dict(source),
            spec=dict(spec), settings=dict(settings), listed=listed,
            owner=owner_hash(secret) if secret else "",
            n_rows=int(frame.shape[0]), n_columns=int(frame.shape[1]),
            columns=[str(c) for c in frame.columns], created=now, updated=now,
        )
        self._write(ws)
        return ws

    def copy(self, workspace_id: str, *, secret: str, name: str | None = None) -> Workspace:
        """A new unsaved workspace of the same data, mapping and settings, owned by
        ``secret`` (anyone may copy a workspace they can open)."""
        self.prune()
        ws = self.get(workspace_id)
        now = _now()
        copy = Workspace.from_dict({**ws.to_dict(), "id": secrets.token_hex(8),
                                    "name": name or ws.name, "listed": False,
                                    "owner": owner_hash(secret), "created": now})
        self._write(copy)
        return copy

    def check_owner(self, workspace_id: str, secret: str | None) -> Workspace:
        """The workspace as stored, when ``secret`` is its owner's.

        Raises
        ------
        WorkspaceError
            When it does not exist, or belongs to someone else (or to no one).
        """
        stored = self.get(workspace_id)
        if not stored.owner:
            raise WorkspaceError(MSG_NO_OWNER.format(name=stored.name))
        if not stored.owned_by(secret):
            raise WorkspaceError(MSG_NOT_OWNER.format(name=stored.name))
        return stored

    def save(self, workspace: Workspace, *, secret: str) -> Workspace:
        """Write the workspace document (its ``updated`` time is set to now), when ``secret``
        is the owner's of the document on disk (the owner itself cannot be changed).

        Raises
        ------
        WorkspaceError
            When the workspace belongs to someone else.
        """
        stored = self.check_owner(workspace.id, secret)
        workspace.owner = stored.owner
        return self._write(workspace)

    def _write(self, workspace: Workspace) -> Workspace:
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

    def delete(self, workspace_id: str, *, secret: str) -> None:
        """Remove a workspace, and its data when no other workspace uses it; only its owner
        may (:meth:`check_owner`)."""
        self.check_owner(workspace_id, secret)
        self._remove(workspace_id)

    def _remove(self, workspace_id: str) -> None:
        ws = self.get(workspace_id)
        self._doc_path(workspace_id).unlink(missing_ok=True)
        if not any(w.data_key == ws.data_key for w in self.list(listed_only=False)):
            self.data_path(ws.data_key).unlink(missing_ok=True)

    def expired(self, *, now: datetime | None = None) -> list[Workspace]:
        """Unsaved workspaces not changed for more than :func:`ttl_hours`."""
        cutoff = (now or datetime.now(UTC)) - timedelta(hours=ttl_hours())
        out = []
        for ws in self.list(listed_only=False):
            try:
                updated = datetime.fromisoformat(ws.updated)
            except ValueError:
                continue
            if not ws.listed and updated < cutoff:
                out.append(ws)
        return out

    def prune(self, *, now: datetime | None = None) -> int:
        """Remove the expired unsaved workspaces (and data no workspace uses); how many."""
        gone = 0
        for ws in self.expired(now=now):
            try:
                self._remove(ws.id)
                gone += 1
            except (WorkspaceError, OSError):
                continue
        return gone

    def used_bytes(self) -> int:
        """Bytes in the workspace folder (data and documents)."""
        if not self.root.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
