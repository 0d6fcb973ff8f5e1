"""Generated predictions with a known truth: a planted disparity, label noise and an error slice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

GROUPS = ("A", "B", "C")
SEXES = ("Female", "Male")
REGIONS = ("north", "south", "east", "west")
EDUCATIONS = ("primary", "secondary", "tertiary")
NUMERIC_FEATURES = ("age", "income", "debt_ratio")
CATEGORICAL_FEATURES = ("region", "education")
REFERENCE_GROUP = "A"
THRESHOLD = 0.5

SLICE_AGE = 25
SLICE_REGION = "north"
SLICE_DESCRIPTION = f"age < {SLICE_AGE} and region == '{SLICE_REGION}'"
SLICE_CONDITIONS = (("age", "<", SLICE_AGE), ("region", "==", SLICE_REGION))

# The true risk: logit z = RISK_SCALE * (linear function of the features); sd(z) is about 3, so
# the Bayes error is about 0.15 and the model below errs on about 17 % of the rows.
RISK_SCALE = 2.2
RISK_INTERCEPT = -0.1
AGE_COEF, AGE_CENTER = 0.04, 38.0
INCOME_COEF, INCOME_CENTER = 1.5, 45.0
DEBT_COEF, DEBT_CENTER = -5.0, 2.0 / 7.0
EDUCATION_EFFECT = {"primary": -0.8, "secondary": 0.0, "tertiary": 0.8}
REGION_EFFECT = {"north": 0.0, "south": 0.3, "east": -0.3, "west": 0.0}
MODEL_NOISE_SD = 0.5

MSG_N = "n must be an integer of at least 100; got {value!r}."
MSG_FRACTION = "{name} must be between {low} and {high}; got {value!r}."
MSG_GROUP = "{name} must be one of {choices}; got {value!r}."
MSG_SHARES = "group_shares must be three positive numbers that sum to 1; got {value!r}."
MSG_DISPARITY = (
    "disparity={value!r} is larger than the reference group's selection rate ({rate:.3f}); "
    "choose a smaller disparity."
)
MSG_NOISE = (
    "label_noise={noise!r} with noise_share={share!r} would flip {rate:.0%} of group "
    "{group!r}; keep the within-group flip rate below 50 % (lower label_noise or noise_share)."
)


@dataclass(frozen=True)
class PlantedData:
    """A generated prediction file and the truth planted in it.

    Attributes
    ----------
    frame : DataFrame
        The data an analyst would see (see :func:`make_planted` for the columns). Its index is a
        ``RangeIndex``, so row positions and index labels coincide.
    label_true : ndarray of int
        The clean labels, before label noise; ``frame["label"]`` differs from it exactly at
        :attr:`flipped`.
    flipped : ndarray of int
        Sorted positions of the rows whose observed label was flipped.
    noise_group : str or None
        The group in which the label noise was concentrated (``None``: spread uniformly).
    slice_mask : ndarray of bool
        The rows of the planted error slice.
    slice_description : str
        The slice in words, ``"age < 25 and region == 'north'"``.
    slice_conditions : tuple of (column, operator, value)
        The slice as a conjunction of conditions, for comparison with discovered slices.
    slice_error_rate, rest_error_rate : float
        Error rate of ``pred`` against the observed ``label`` inside and outside the slice.
    selection_rates : dict of str to float
        Realised selection rate ``P(score >= 0.5)`` of each group.
    disparity : float
        Realised selection-rate gap, reference group minus disadvantaged group. It is also the
        demographic-parity difference (max - min over groups) up to one row of a group.
    reference_group, disadvantaged_group : str
        The groups whose selection rates define :attr:`disparity`.
    base_rates_true : dict of str to float
        Share of clean positive labels per group (equal in expectation by construction).
    params : dict
        The arguments that generated the data.
    """

    frame: pd.DataFrame
    label_true: np.ndarray
    flipped: np.ndarray
    noise_group: str | None
    slice_mask: np.ndarray
    slice_description: str
    slice_conditions: tuple[tuple[str, str, Any], ...]
    slice_error_rate: float
    rest_error_rate: float
    selection_rates: dict[str, float]
    disparity: float
    reference_group: str
    disadvantaged_group: str
    base_rates_true: dict[str, float]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def audit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`fairlens.audit` for this data (label, score, sensitive)."""
        return dict(label="label", score="score", sensitive=["group", "sex"], threshold=THRESHOLD)

    @property
    def features(self) -> list[str]:
        """The feature columns of :attr:`frame` (numeric first, then categorical)."""
        return [*NUMERIC_FEATURES, *CATEGORICAL_FEATURES]

    @property
    def flipped_mask(self) -> np.ndarray:
        """Boolean mask of the rows whose label was flipped."""
        mask = np.zeros(len(self.frame), dtype=bool)
        mask[self.flipped] = True
        return mask

    def summary(self) -> dict[str, Any]:
        """The scalar truth as a JSON-safe dict (no per-row arrays)."""
        return {
            "n": len(self.frame),
            "reference_group": self.reference_group,
            "disadvantaged_group": self.disadvantaged_group,
            "disparity": self.disparity,
            "selection_rates": dict(self.selection_rates),
            "base_rates_true": dict(self.base_rates_true),
            "n_flipped": int(len(self.flipped)),
            "noise_group": self.noise_group,
            "flipped_in_noise_group": (
                int(np.isin(self.frame["group"].to_numpy()[self.flipped], [self.noise_group]).sum())
                if self.noise_group is not None else None),
            "slice": self.slice_description,
            "slice_size": int(self.slice_mask.sum()),
            "slice_error_rate": self.slice_error_rate,
            "rest_error_rate": self.rest_error_rate,
            "params": dict(self.params),
        }


def _check_fraction(name: str, value: float, low: float, high: float) -> float:
    v = float(value)
    if not low <= v <= high:
        raise ValueError(MSG_FRACTION.format(name=name, low=low, high=high, value=value))
    return v


def _set_selection(logit: np.ndarray, rows: np.ndarray, rate: float) -> float:
    """Shift that makes exactly ``round(rate * len(rows))`` of ``logit[rows]`` non-negative."""
    values = np.sort(logit[rows])[::-1]
    k = int(round(rate * len(values)))
    if k <= 0:
        return -float(values[0]) - 1.0
    if k >= len(values):
        return -float(values[-1]) + 1.0
    return -0.5 * float(values[k - 1] + values[k])


def make_planted(
    n: int = 20_000,
    *,
    seed: int = 0,
    disparity: float = 0.15,
    label_noise: float = 0.05,
    noise_group: str | None = "B",
    noise_share: float = 0.8,
    slice_error: float = 0.45,
    disadvantaged_group: str = "C",
    group_shares: tuple[float, float, float] = (0.55, 0.30, 0.15),
    group_rule: float = 0.0,
) -> PlantedData:
    """Generate a binary prediction file with a known disparity, label noise and error slice.

    The data are built so that later analyses can be checked against the truth: the audit should
    find the selection-rate gap, a label-issue detector the flipped labels (concentrated in one
    group), and a slice finder the slice where the model fails.

    Parameters
    ----------
    n : int, default 20_000
        Number of rows (at least 100).
    seed : int, default 0
        Seed of the generator; the same arguments always give the same data.
    disparity : float, default 0.15
        Planted selection-rate gap: the disadvantaged group's rate of ``score >= 0.5`` is this
        much below the reference group ``"A"``'s (exact up to rounding to whole rows).
    label_noise : float, default 0.05
        Share of all rows whose observed label is the flipped clean label.
    noise_group : {"A", "B", "C"} or None, default "B"
        Group in which the label noise is concentrated; ``None`` spreads it uniformly.
    noise_share : float, default 0.8
        Share of the flipped rows that lie in ``noise_group`` (ignored when it is ``None``). With
        the defaults, 800 of 1,000 flips fall in group B (about 13 % of B) and 200 in A and C
        (about 1.4 % of them).
    slice_error : float, default 0.45
        Target error rate, against the clean labels, of the model's decisions inside the error
        slice ``age < 25 and region == 'north'`` (about 4 % of the rows); outside it the model
        errs on about 17 %. Values at or below the natural error rate plant nothing.
    disadvantaged_group : {"B", "C"}, default "C"
        Group whose selection rate is lowered.
    group_shares : tuple of 3 floats, default (0.55, 0.30, 0.15)
        Expected shares of groups A, B and C.
    group_rule : float, default 0.0
        Strength (0 to 1) of a different labelling rule in ``disadvantaged_group``: its clean
        labels' logit mixes the common rule (weight ``1 - group_rule``) with one in which age,
        income and debt act in reverse. A model fitted to all rows then serves that group worse:
        a performance disparity that reweighting the training loss can reduce (the selection
        gap of ``disparity`` is a decision disparity that it cannot). 0 plants nothing and
        draws exactly the data of earlier versions.

    Returns
    -------
    PlantedData
        ``.frame`` holds the columns

        ``age``, ``income``, ``debt_ratio``
            Numeric features: age in years (18-90), income in thousands, debt-to-income ratio.
        ``region``, ``education``
            Categorical features: ``north/south/east/west`` and ``primary/secondary/tertiary``.
        ``group``
            Sensitive attribute, ``"A"``, ``"B"`` or ``"C"`` with unequal sizes.
        ``sex``
            Sensitive attribute, ``"Female"`` or ``"Male"``; nothing is planted on it (a negative
            control).
        ``label``
            The observed label (0/1), with label noise.
        ``score``
            The model's probability of label 1.
        ``pred``
            The model's decision, ``score >= 0.5``.

        and the truth lies in the other attributes (see :class:`PlantedData`).

    Raises
    ------
    ValueError
        When an argument is out of range; the message says which and how to fix it.

    Notes
    -----
    Generation, in order:

    1. ``group``, ``sex`` and the features are drawn independently of each other, so every
       group has the same feature distribution and, in expectation, the same base rate.
    2. The clean label is ``Bernoulli(sigmoid(z))`` with ``z`` a fixed linear function of the
       features (higher income and education raise it, debt lowers it).
    3. The model's logit is ``z + N(0, 0.5**2)``, an accurate but imperfect model. Each group's
       logits are then shifted by a constant: groups other than the disadvantaged one get the
       reference group's selection rate, the disadvantaged one that rate minus ``disparity``
       (shifts chosen from the group's own logits, so the realised rates are exact). The gap is
       the model's doing, not the data's: the clean base rates do not differ by group, so the
       disadvantaged group also gets a lower true-positive rate. Its scores are therefore
       biased low, which a label-issue detector that trusts the scores may mistake for label
       errors among its positives.
    4. Inside the slice, randomly chosen correct decisions are inverted (logit ``l`` becomes
       ``-l``), as many true positives as true negatives in each group, until the slice's error
       rate against the clean labels reaches ``slice_error``. Inverting equal numbers of
       selected and unselected rows leaves every group's selection rate unchanged.
    5. Label noise: ``round(label_noise * n)`` rows are drawn without replacement, a share
       ``noise_share`` of them from ``noise_group`` and the rest from the other groups, and
       their observed labels flipped. ``score`` is untouched: it still reflects the clean label.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 100:
        raise ValueError(MSG_N.format(value=n))
    n = int(n)
    disparity = _check_fraction("disparity", disparity, 0.0, 1.0)
    label_noise = _check_fraction("label_noise", label_noise, 0.0, 0.5)
    noise_share = _check_fraction("noise_share", noise_share, 0.0, 1.0)
    slice_error = _check_fraction("slice_error", slice_error, 0.0, 1.0)
    group_rule = _check_fraction("group_rule", group_rule, 0.0, 1.0)
    if noise_group is not None and noise_group not in GROUPS:
        raise ValueError(MSG_GROUP.format(name="noise_group", choices=[*GROUPS, None],
                                          value=noise_group))
    if disadvantaged_group not in GROUPS[1:]:
        raise ValueError(MSG_GROUP.format(name="disadvantaged_group", choices=list(GROUPS[1:]),
                                          value=disadvantaged_group))
    shares = np.asarray(group_shares, dtype=float)
    if shares.shape != (3,) or (shares <= 0).any() or not np.isclose(shares.sum(), 1.0):
        raise ValueError(MSG_SHARES.format(value=group_shares))

    rng = np.random.default_rng(seed)

    # 1. attributes and features
    group = np.asarray(GROUPS, dtype=object)[rng.choice(3, size=n, p=shares / shares.sum())]
    sex = np.asarray(SEXES, dtype=object)[rng.choice(2, size=n)]
    age = np.minimum(18 + np.floor(rng.gamma(2.0, 10.0, size=n)), 90).astype(np.int64)
    income = np.round(rng.lognormal(np.log(INCOME_CENTER), 0.5, size=n), 1)
    income = np.maximum(income, 0.1)
    debt_ratio = np.round(rng.beta(2.0, 5.0, size=n), 4)
    region = np.asarray(REGIONS, dtype=object)[rng.choice(4, size=n)]
    education = np.asarray(EDUCATIONS, dtype=object)[rng.choice(3, size=n, p=(0.2, 0.5, 0.3))]
    for g in GROUPS:
        if not (group == g).any():
            raise ValueError(f"Group {g!r} drew no rows; increase n or its group_shares entry.")

    # 2. clean labels
    z = RISK_SCALE * (
        RISK_INTERCEPT
        + AGE_COEF * (age - AGE_CENTER)
        + INCOME_COEF * np.log(income / INCOME_CENTER)
        + DEBT_COEF * (debt_ratio - DEBT_CENTER)
        + pd.Series(education).map(EDUCATION_EFFECT).to_numpy(dtype=float)
        + pd.Series(region).map(REGION_EFFECT).to_numpy(dtype=float)
    )
    if group_rule > 0:
        reverse = RISK_SCALE * (
            RISK_INTERCEPT
            - AGE_COEF * (age - AGE_CENTER)
            - INCOME_COEF * np.log(income / INCOME_CENTER)
            - DEBT_COEF * (debt_ratio - DEBT_CENTER)
            + pd.Series(education).map(EDUCATION_EFFECT).to_numpy(dtype=float)
            + pd.Series(region).map(REGION_EFFECT).to_numpy(dtype=float)
        )
        own = group == disadvantaged_group
        z = np.where(own, (1 - group_rule) * z + group_rule * reverse, z)
    label_true = (rng.random(n) < expit(z)).astype(np.int64)

    # 3. the model, with the planted selection-rate gap
    logit = z + rng.normal(0.0, MODEL_NOISE_SD, size=n)
    rows = {g: np.flatnonzero(group == g) for g in GROUPS}
    ref_rate = float(np.mean(logit[rows[REFERENCE_GROUP]] >= 0))
    if disparity > ref_rate:
        raise ValueError(MSG_DISPARITY.format(value=disparity, rate=ref_rate))
    for g in GROUPS[1:]:
        target = ref_rate - disparity if g == disadvantaged_group else ref_rate
        logit[rows[g]] += _set_selection(logit, rows[g], target)

    # 4. the error slice
    slice_mask = (age < SLICE_AGE) & (region == SLICE_REGION)
    decided = logit >= 0
    for g in GROUPS:
        in_slice = slice_mask & (group == g)
        size = int(in_slice.sum())
        errors = int((decided[in_slice] != label_true[in_slice].astype(bool)).sum())
        half = max(0, int(round(slice_error * size)) - errors) // 2
        tp = np.flatnonzero(in_slice & decided & (label_true == 1))
        tn = np.flatnonzero(in_slice & ~decided & (label_true == 0))
        half = min(half, len(tp), len(tn))
        if half:
            chosen = np.concatenate([rng.choice(tp, size=half, replace=False),
                                     rng.choice(tn, size=half, replace=False)])
            logit[chosen] = -logit[chosen]

    score = expit(logit)
    pred = (score >= THRESHOLD).astype(np.int64)

    # 5. label noise
    n_flip = int(round(label_noise * n))
    if noise_group is None or n_flip == 0:
        flipped = rng.choice(n, size=n_flip, replace=False)
    else:
        inside = rows[noise_group]
        outside = np.flatnonzero(group != noise_group)
        n_in = int(round(noise_share * n_flip))
        n_out = n_flip - n_in
        if n_in > len(inside) // 2 or n_out > len(outside) // 2:
            raise ValueError(MSG_NOISE.format(noise=label_noise, share=noise_share,
                                              rate=n_in / len(inside), group=noise_group))
        flipped = np.concatenate([rng.choice(inside, size=n_in, replace=False),
                                  rng.choice(outside, size=n_out, replace=False)])
    flipped = np.sort(flipped).astype(np.int64)
    label = label_true.copy()
    label[flipped] = 1 - label[flipped]

    frame = pd.DataFrame({
        "age": age,
        "income": income,
        "debt_ratio": debt_ratio,
        "region": region.astype(str),
        "education": education.astype(str),
        "group": group.astype(str),
        "sex": sex.astype(str),
        "label": label,
        "score": score,
        "pred": pred,
    })

    wrong = pred != label
    selection_rates = {g: float(pred[rows[g]].mean()) for g in GROUPS}
    return PlantedData(
        frame=frame,
        label_true=label_true,
        flipped=flipped,
        noise_group=noise_group,
        slice_mask=slice_mask,
        slice_description=SLICE_DESCRIPTION,
        slice_conditions=SLICE_CONDITIONS,
        slice_error_rate=float(wrong[slice_mask].mean()) if slice_mask.any() else float("nan"),
        rest_error_rate=float(wrong[~slice_mask].mean()),
        selection_rates=selection_rates,
        disparity=selection_rates[REFERENCE_GROUP] - selection_rates[disadvantaged_group],
        reference_group=REFERENCE_GROUP,
        disadvantaged_group=disadvantaged_group,
        base_rates_true={g: float(label_true[rows[g]].mean()) for g in GROUPS},
        params=dict(n=n, seed=seed, disparity=disparity, label_noise=label_noise,
                    noise_group=noise_group, noise_share=noise_share, slice_error=slice_error,
                    disadvantaged_group=disadvantaged_group,
                    group_shares=tuple(float(s) for s in shares)),
    )
