"""What the sample-derivation scripts share: the reproducible gzip CSV and the command line."""

from __future__ import annotations

import argparse
import gzip
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def write(frame: pd.DataFrame, target: Path) -> None:
    """Write ``frame`` as a gzip CSV without a timestamp in the gzip header (reproducible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    with open(target, "wb") as fh, gzip.GzipFile(
        filename="", mode="wb", fileobj=fh, compresslevel=9, mtime=0
    ) as gz:
        gz.write(text)


def main(derive: Callable[[Path], pd.DataFrame], *, description: str, source: Path,
         target: Path, argv: list[str] | None = None) -> int:
    """Command line of a derivation script: ``[--source PATH] [--out PATH]``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--source", type=Path, default=source)
    parser.add_argument("--out", type=Path, default=target)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"Source not found: {args.source}", file=sys.stderr)
        return 1
    frame = derive(args.source)
    write(frame, args.out)
    print(f"wrote {args.out} ({len(frame)} rows, {args.out.stat().st_size:,} bytes)")
    return 0
