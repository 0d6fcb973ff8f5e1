"""FairLens label issues vs bare cleanlab on the same generated probabilities, in one run.

Data: N rows x K classes of softmax probabilities from a noisy "model" (seeded), labels with
5 % noise, three times as much of it in one of three groups. Timed:

* bare cleanlab: ``cleanlab.filter.find_label_issues(labels, pred_probs)`` with its defaults
  (``n_jobs=None``: one worker process per core), and with ``n_jobs=1`` for reference;
* FairLens: ``fairlens.labels.find_label_issues(labels, pred_probs, sensitive_features=group)``
  with its defaults: input validation, the same cleanlab call, label-quality scores, suggested
  labels and the per-group issue rates with Wilson intervals and BH-corrected tests.

Each is run ``--repeat`` times; the best time counts. The flagged rows must be identical.

Run: ``python bench/bench_labels.py [--rows 1000000] [--classes 10] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def make_data(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, pred_probs, group): softmax probabilities, 5 % label noise mostly in group 1."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    logits = rng.normal(0.0, 1.0, (n, k))
    logits[np.arange(n), truth] += 3.0
    logits -= logits.max(axis=1, keepdims=True)
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    group = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    noise = np.where(group == 1, 0.10, 0.0333)
    flip = rng.random(n) < noise
    labels = truth.copy()
    labels[flip] = (truth[flip] + rng.integers(1, k, int(flip.sum()))) % k
    return labels, proba, group


def best_of(repeat: int, fn) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for flag, default in (("--rows", 1_000_000), ("--classes", 10), ("--repeat", 3)):
        parser.add_argument(flag, type=int, default=default)
    args = parser.parse_args()

    from cleanlab.filter import find_label_issues as cleanlab_find

    import fairlens.labels as fl

    labels, proba, group = make_data(args.rows, args.classes)
    small = slice(0, 20_000)
    cleanlab_find(labels[small], proba[small])  # warm-up: imports, first-call overheads
    fl.find_label_issues(labels[small], proba[small], sensitive_features=group[small])

    t_cl, mask_cl = best_of(args.repeat, lambda: cleanlab_find(labels, proba))
    t_cl1, _ = best_of(args.repeat, lambda: cleanlab_find(labels, proba, n_jobs=1))
    t_fl, result = best_of(args.repeat, lambda: fl.find_label_issues(
        labels, proba, sensitive_features={"group": group}))
    same = bool(np.array_equal(np.asarray(mask_cl), result.mask))
    rates = result.by_group.set_index("group")
    print(f"rows={args.rows:,} classes={args.classes} repeat={args.repeat} (best time)")
    print(f"  cleanlab find_label_issues (defaults, n_jobs=None) {t_cl:7.3f}s  "
          f"flagged={int(np.sum(mask_cl)):,}")
    print(f"  cleanlab find_label_issues (n_jobs=1)             {t_cl1:7.3f}s")
    print(f"  fairlens.labels.find_label_issues (+ quality, suggested labels, group rates) "
          f"{t_fl:7.3f}s  flagged={result.n_issues:,}  identical flags: {same}")
    print(f"  ratio fairlens / cleanlab(defaults) = {t_fl / t_cl:5.2f}x   "
          f"(target <= 1.5x);  fairlens / cleanlab(n_jobs=1) = {t_fl / t_cl1:5.2f}x")
    print("  issue rate by group: " + ", ".join(
        f"{g}: {r['rate']:.3%} (q={r['q_value']:.2g})" for g, r in rates.iterrows()))


if __name__ == "__main__":
    main()
