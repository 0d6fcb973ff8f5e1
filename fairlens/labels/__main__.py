"""``python -m fairlens.labels DATA --label COL ...`` (the same as ``fairlens labels``)."""

from __future__ import annotations

from fairlens.labels._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
