"""A synthetic segmentation-audit sample with a planted Dice gap (FairSeg-style setting)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Keyword arguments of :func:`fairlens.audit` for the segmentation sample: per-image Dice and IoU
#: as the metrics (higher is better), race, gender and ethnicity as sensitive attributes.
SEGMENTATION_AUDIT: dict[str, Any] = dict(
    metric=["dice", "iou"], sensitive=["race", "gender", "ethnicity"],
)

RACES = ("Asian", "Black", "White")
RACE_SHARES = (0.08, 0.15, 0.77)
GENDERS = ("Female", "Male")
GENDER_SHARES = (0.58, 0.42)
ETHNICITIES = ("Hispanic", "Non-Hispanic")
ETHNICITY_SHARES = (0.05, 0.95)

#: Expected Dice of each race group before the planted gap is subtracted from ``"Black"``.
BASE_DICE = {"Asian": 0.84, "Black": 0.86, "White": 0.86}
GAP_GROUP = "Black"
GENDER_EFFECT = {"Female": 0.005, "Male": -0.005}
QUALITY_A, QUALITY_B = 5.0, 2.0
QUALITY_SLOPE = 0.20
AGE_MEAN, AGE_SD, AGE_MIN, AGE_MAX = 60.0, 16.0, 20, 90
AGE_SLOPE = -0.001
CONCENTRATION = 30.0


def load_segmentation(n: int = 10_000, seed: int = 0, *, dice_gap: float = 0.08) -> pd.DataFrame:
    """Generate a SYNTHETIC per-image segmentation-quality sample with a planted Dice gap.

    No image and no real patient is behind these rows: they are drawn from the simple model
    below, loosely modelled on the Harvard-FairSeg setting (optic disc/cup segmentation on
    fundus images, audited by race, gender and ethnicity with Dice and IoU and their
    equity-scaled versions). Use it to try the segmentation audit, not to learn about any real
    model or population.

    Parameters
    ----------
    n : int, default 10_000
        Number of images (rows).
    seed : int, default 0
        Seed of the generator; the same ``(n, seed, dice_gap)`` always gives the same frame.
    dice_gap : float, default 0.08
        How much lower the expected Dice of the ``"Black"`` group is than that of ``"White"``
        (between 0 and 0.5).

    Returns
    -------
    DataFrame
        One row per image, with the columns

        ``image_id``
            0 to ``n - 1``.
        ``race``
            ``"Asian"``, ``"Black"`` or ``"White"`` (shares 8 %, 15 %, 77 %).
        ``gender``
            ``"Female"`` or ``"Male"`` (58 %, 42 %).
        ``ethnicity``
            ``"Hispanic"`` or ``"Non-Hispanic"`` (5 %, 95 %).
        ``age``
            Age in years (integer, 20-90).
        ``image_quality``
            A quality score in [0, 1] (Beta(5, 2)); better images segment better.
        ``dice``
            Per-image Dice coefficient in [0, 1].
        ``iou``
            Per-image IoU, exactly ``dice / (2 - dice)`` (the identity that links the two for a
            single image).

        ``frame.attrs["planted"]`` records the truth: the expected Dice per race group and the
        planted gap.

    Raises
    ------
    ValueError
        When ``n`` is not a positive integer or ``dice_gap`` is outside [0, 0.5].

    Notes
    -----
    The attributes, age and image quality are drawn independently. Each image's expected Dice
    is

    ``m = BASE_DICE[race] - dice_gap * (race == "Black") + GENDER_EFFECT[gender]``
    ``    + 0.20 * (image_quality - 5/7) - 0.001 * (age - 60)``

    with ``BASE_DICE = {Asian: 0.84, Black: 0.86, White: 0.86}`` and a gender effect of
    +/-0.005 (Female/Male), and its Dice is drawn from a Beta distribution with mean ``m`` and
    concentration 30. The quality and age terms have (close to) zero mean and do not depend on
    the group, so the expected Dice of the ``"Black"`` group is ``dice_gap`` below that of the
    ``"White"`` group, ``"Asian"`` is 0.02 below ``"White"``, gender differs by 0.01 and
    ethnicity by nothing (a negative control). Because the groups differ, the equity-scaled
    Dice (ES-Dice) is below the overall Dice.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}.")
    if not 0.0 <= float(dice_gap) <= 0.5:
        raise ValueError(f"dice_gap must be between 0 and 0.5; got {dice_gap!r}.")
    n = int(n)
    rng = np.random.default_rng(seed)
    race = rng.choice(np.array(RACES, dtype=object), size=n, p=RACE_SHARES)
    gender = rng.choice(np.array(GENDERS, dtype=object), size=n, p=GENDER_SHARES)
    ethnicity = rng.choice(np.array(ETHNICITIES, dtype=object), size=n, p=ETHNICITY_SHARES)
    age = np.clip(np.rint(rng.normal(AGE_MEAN, AGE_SD, size=n)), AGE_MIN, AGE_MAX).astype(np.int64)
    quality = rng.beta(QUALITY_A, QUALITY_B, size=n)

    race_mean = {r: BASE_DICE[r] - (float(dice_gap) if r == GAP_GROUP else 0.0) for r in RACES}
    mean = (
        pd.Series(race).map(race_mean).to_numpy(dtype=float)
        + pd.Series(gender).map(GENDER_EFFECT).to_numpy(dtype=float)
        + QUALITY_SLOPE * (quality - QUALITY_A / (QUALITY_A + QUALITY_B))
        + AGE_SLOPE * (age - AGE_MEAN)
    )
    dice = rng.beta(mean * CONCENTRATION, (1.0 - mean) * CONCENTRATION)
    iou = dice / (2.0 - dice)

    frame = pd.DataFrame({
        "image_id": np.arange(n, dtype=np.int64),
        "race": race.astype(str),
        "gender": gender.astype(str),
        "ethnicity": ethnicity.astype(str),
        "age": age,
        "image_quality": quality,
        "dice": dice,
        "iou": iou,
    })
    expected_gender = sum(GENDER_EFFECT[g] * s for g, s in zip(GENDERS, GENDER_SHARES, strict=True))
    frame.attrs["planted"] = {
        "synthetic": True,
        "gap_group": GAP_GROUP,
        "reference_group": "White",
        "dice_gap": float(dice_gap),
        "expected_dice_by_race": {r: race_mean[r] + expected_gender for r in RACES},
        "expected_dice_gap_by_gender": GENDER_EFFECT["Female"] - GENDER_EFFECT["Male"],
        "expected_dice_gap_by_ethnicity": 0.0,
    }
    return frame
