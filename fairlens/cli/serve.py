"""``fairlens serve``: start the FairLens app in the browser.

The app listens on this machine only (``127.0.0.1``) unless ``--host`` says otherwise; any
other address prints a warning, since the app has no login of its own (see the README's
"Security and limits": a team server goes behind Streamlit's login).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fairlens.cli._common import EXIT_INVALID

DEFAULT_HOST = "127.0.0.1"
"""Where the app listens by default: this machine only."""
MSG_OPEN_HOST = (
    "fairlens serve: warning: listening on {host}, so anyone who can reach this machine on port "
    "{port} can open the app, upload files and read the workspaces listed there. For a team, "
    "turn on Streamlit's login ([auth] in .streamlit/secrets.toml; see the README, Security "
    "and limits) or put the app behind a proxy that asks for one.")


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``serve`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser("serve", help="start the FairLens app in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to listen on (default 127.0.0.1: this machine only; "
                        "0.0.0.0: every network interface, with a warning)")
    p.set_defaults(handler=run_command, prog="fairlens")
    return p


def is_local(host: str) -> bool:
    """True for a loopback address (``127.0.0.1``, ``::1``, ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def streamlit_command(app: Path, host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line of the app on ``host``:``port``."""
    return [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", host,
            "--server.port", str(port)]


def run_command(args: argparse.Namespace) -> int:
    """Run the Streamlit app (``app.py`` next to the package) on ``--host``:``--port``."""
    app = Path(__file__).resolve().parent.parent.parent / "app.py"
    if not app.exists():
        print(f"fairlens: app.py not found next to the package ({app}).", file=sys.stderr)
        return EXIT_INVALID
    host = str(args.host)
    if not is_local(host):
        print(MSG_OPEN_HOST.format(host=host, port=args.port), file=sys.stderr)
    # Run from the project folder so that .streamlit/config.toml (upload limit, theme) applies.
    return subprocess.call(streamlit_command(app, host, int(args.port)), env=os.environ.copy(),
                           cwd=app.parent)
