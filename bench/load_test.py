"""A bounded load test: concurrent headless Chromium sessions against one local FairLens server.

Each session uploads a predictions file on the Data page, opens Fairness, Equity and Report
(building the report), and does so for several rounds, while the server's resident memory is
sampled from ``/proc``. Every page must show its results with no error: no Streamlit exception
box, no ``st.error`` alert, no page error in the browser, no step past its time limit, and no
"Bad delta path index" in the browser console (a hang seen once under 8 sessions).

Not part of the test suite (it is heavy: 10 Chromium tabs and a server). Run it as::

    .venv/bin/python bench/load_test.py --sessions 10 --rounds 3

It prints one line per session-round and a summary (errors, server peak RSS, wall time) and
exits 1 when any session-round failed. Needs Debian's ``/usr/bin/chromium`` and Playwright's
Python package (Playwright's own browsers are never downloaded).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage"]
STEP_TIMEOUT_MS = 600_000
"""Longest wait for one step (a page's results) before it counts as an error."""
STAGGER_S = 2.0
"""Seconds between the starts of two sessions."""
SETTLED = """() => {
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const busy = status && /Stop|Running/.test(status.innerText);
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  return !busy && !document.querySelector('[data-testid="stSkeleton"]') && main
    && main.querySelector('h1');
}"""
HANG_TEXT = "Bad delta path index"


def predictions(n: int, seed: int) -> pd.DataFrame:
    """A predictions file FairLens maps by itself (label, score, race, sex, two features)."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B", "C", "D"], n, p=[0.5, 0.3, 0.15, 0.05])
    sex = rng.choice(["F", "M"], n)
    age = rng.integers(18, 80, n)
    label = (rng.random(n) < 0.3 + 0.1 * (race == "B")).astype(int)
    score = np.clip(0.4 * label + 0.6 * rng.random(n) + 0.05 * (race == "C"), 0, 1).round(4)
    return pd.DataFrame({"label": label, "score": score, "race": race, "sex": sex, "age": age,
                         "income": rng.normal(50, 10, n).round(1)})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(workspaces: Path, log: Path) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` on a free port; yields its URL and process id."""
    port = _free_port()
    env = dict(os.environ, FAIRLENS_WORKSPACE_DIR=str(workspaces))
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"streamlit did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _status_kib(pid: int, field_name: str) -> int:
    """A ``/proc/<pid>/status`` field in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Samples the server's resident memory every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[int] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append(_status_kib(self.pid, "VmRSS"))
            self._halt.wait(self.interval)

    def stop(self) -> dict[str, float]:
        """Stop sampling; start, peak (sampled and the kernel's high-water mark) and end RSS."""
        high_water = _status_kib(self.pid, "VmHWM")
        self._halt.set()
        self.join()
        mib = [s / 1024 for s in self.samples if s] or [0.0]
        return {"start_mib": mib[0], "peak_mib": max(max(mib), high_water / 1024),
                "end_mib": mib[-1]}


@dataclass
class Outcome:
    """One session-round: the seconds of each step and what went wrong."""

    session: int
    round: int
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _probe(url: str) -> bool:
    """Streamlit's own probe of ``<page>/_stcore/...`` before the server root (a 404 there
    is how the browser finds the base path, not an error of the app)."""
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    return "/_stcore/" in "/" + path and not path.startswith("_stcore/")


async def _settle(page, pause: float = 0.6) -> None:
    for _ in range(2):
        await asyncio.sleep(pause)
        await page.wait_for_function(SETTLED, timeout=STEP_TIMEOUT_MS)


async def _page_errors(page, name: str) -> list[str]:
    """Streamlit exception boxes and error alerts in the main area of the page."""
    out = []
    exceptions = page.locator('[data-testid="stMain"] [data-testid="stException"]')
    alerts = page.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]')
    for locator, what in ((exceptions, "exception"), (alerts, "error")):
        for i in range(await locator.count()):
            out.append(f"{name}: {what}: {(await locator.nth(i).inner_text())[:200]}")
    return out


async def _open(page, title: str) -> None:
    await page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    await _settle(page)


async def session_rounds(browser, url: str, index: int, rounds: int, files: list[Path],
                         log: list[str]) -> list[Outcome]:
    """One browser session doing upload -> Fairness -> Equity -> Report ``rounds`` times."""
    await asyncio.sleep(STAGGER_S * index)  # people do not all press Enter in the same second
    context = await browser.new_context(viewport={"width": 1400, "height": 1800})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if (m.type == "error" and "Failed to load resource" not in m.text)
            or HANG_TEXT in m.text else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 and not _probe(r.url) else None)
    outcomes = []
    for r in range(rounds):
        out = Outcome(index, r + 1)
        problems.clear()
        path = files[(index + r) % len(files)]
        try:
            t0 = time.perf_counter()
            await page.goto(f"{url}/data")
            await _settle(page)
            await page.get_by_text("Upload a file", exact=True).click()
            await _settle(page)
            await page.locator('[data-testid="stFileUploader"] input[type="file"]'
                               ).set_input_files(str(path))
            await page.get_by_text(f"Loaded {path.name}").first.wait_for(
                timeout=STEP_TIMEOUT_MS)
            await _settle(page)
            await page.get_by_text("The mapping fits the data").first.wait_for(
                timeout=STEP_TIMEOUT_MS)
            out.errors += await _page_errors(page, "Data")
            out.seconds["upload"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            await _open(page, "Fairness")
            await page.locator('[data-testid="stMain"] [data-testid="stTable"]').first.wait_for(
                timeout=STEP_TIMEOUT_MS)
            out.errors += await _page_errors(page, "Fairness")
            out.seconds["fairness"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            await _open(page, "Equity")
            await page.locator('[data-testid="stMain"] [data-testid="stTable"]').first.wait_for(
                timeout=STEP_TIMEOUT_MS)
            out.errors += await _page_errors(page, "Equity")
            out.seconds["equity"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            await _open(page, "Report")
            await page.get_by_role("button", name="Build the report").first.click()
            await _settle(page)
            await page.get_by_text("Executive summary").first.wait_for(timeout=STEP_TIMEOUT_MS)
            out.errors += await _page_errors(page, "Report")
            out.seconds["report"] = time.perf_counter() - t0
        except Exception as exc:  # noqa: BLE001 - a failed step is a counted error
            out.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        out.errors += [p for p in problems if "favicon" not in p]
        total = sum(out.seconds.values())
        log.append(f"session {index:2d} round {r + 1}: {total:6.1f} s "
                   + " ".join(f"{k} {v:.1f}" for k, v in out.seconds.items())
                   + (f"  ERRORS: {out.errors}" if out.errors else "  ok"))
        print(log[-1], flush=True)
        outcomes.append(out)
    await context.close()
    return outcomes


async def run(url: str, sessions: int, rounds: int, files: list[Path]) -> list[Outcome]:
    from playwright.async_api import async_playwright

    log: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = await asyncio.gather(*(
            session_rounds(browser, url, i, rounds, files, log) for i in range(sessions)))
        await browser.close()
    return [o for per in results for o in per]


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # so that the server is stopped on the way out


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_term)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20_000, help="rows per uploaded file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fairlens-load-") as tmp:
        folder = Path(tmp)
        files = []
        for i in range(3):  # a few different files, so that sessions do not share one upload
            path = folder / f"predictions_{i}.csv"
            predictions(args.rows, seed=i).to_csv(path, index=False)
            files.append(path)
        log = folder / "streamlit.log"
        start = time.perf_counter()
        with server(folder / "workspaces", log) as (url, pid):
            watch = MemoryWatch(pid)
            watch.start()
            outcomes = asyncio.run(run(url, args.sessions, args.rounds, files))
            memory = watch.stop()
        wall = time.perf_counter() - start
        server_log = log.read_text(errors="replace")
    failed = [o for o in outcomes if o.errors]
    steps = sorted({k for o in outcomes for k in o.seconds})
    print()
    print(f"{args.sessions} sessions x {args.rounds} rounds ({args.rows:,} rows per file): "
          f"{len(outcomes) - len(failed)} of {len(outcomes)} session-rounds without error, "
          f"{sum(len(o.errors) for o in outcomes)} errors")
    for step in steps:
        times = [o.seconds[step] for o in outcomes if step in o.seconds]
        print(f"  {step:9s} median {np.median(times):6.1f} s, max {max(times):6.1f} s")
    print(f"server RSS: start {memory['start_mib']:.0f} MiB, peak {memory['peak_mib']:.0f} MiB, "
          f"end {memory['end_mib']:.0f} MiB; wall {wall:.0f} s")
    hangs = server_log.count(HANG_TEXT) + sum(HANG_TEXT in e for o in outcomes
                                              for e in o.errors)
    print(f"'{HANG_TEXT}': seen {hangs} time(s); server log tracebacks: "
          f"{server_log.count('Traceback')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
