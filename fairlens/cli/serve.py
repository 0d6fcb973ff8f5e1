"""``fairlens serve``: start the FairLens app in the browser."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fairlens.cli._common import EXIT_INVALID


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``serve`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser("serve", help="start the FairLens app in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(handler=run_command, prog="fairlens")
    return p


def run_command(args: argparse.Namespace) -> int:
    """Run the Streamlit app (``app.py`` next to the package) on ``--port``."""
    app = Path(__file__).resolve().parent.parent.parent / "app.py"
    if not app.exists():
        print(f"fairlens: app.py not found next to the package ({app}).", file=sys.stderr)
        return EXIT_INVALID
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    # Run from the project folder so that .streamlit/config.toml (upload limit, theme) applies.
    return subprocess.call(cmd, env=os.environ.copy(), cwd=app.parent)
