"""``python -m fairlens.cli ...`` (the same as the ``fairlens`` console script)."""

from __future__ import annotations

from fairlens.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
