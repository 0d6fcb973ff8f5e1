"""SHA-256 of a file's bytes: what a report fingerprints and what the user's trust is given to."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """The SHA-256 content hash of a file, in hex (read in 1 MiB blocks).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()
