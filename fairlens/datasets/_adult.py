"""The Adult sample: census records with the scores of a model FairLens trains on first use."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

ADULT_RESOURCE = "adult.csv.gz"
ADULT_CATEGORICAL = ["workclass", "marital_status", "occupation", "relationship", "race", "sex",
                     "native_country"]
ADULT_NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
#: The model's inputs, in this order. ``sex`` and ``race`` are inputs on purpose: the sample lets
#: the Explain page show what the attribute-flip test finds in a model that reads them.
ADULT_FEATURES = [
    "age", "workclass", "education_num", "marital_status", "occupation", "relationship", "race",
    "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
]
ADULT_SEED = 0

#: Keyword arguments of :func:`fairlens.audit` for the standard Adult audit: the label
#: ``income`` (1 for more than 50K a year), the sample model's ``score`` and sex and race as
#: sensitive attributes.
ADULT_AUDIT: dict[str, Any] = dict(
    label="income", score="score", sensitive=["sex", "race"], threshold=0.5,
    features=list(ADULT_FEATURES),
)


@functools.lru_cache(maxsize=1)
def _raw() -> pd.DataFrame:
    source = resources.files("fairlens.datasets") / "data" / ADULT_RESOURCE
    with source.open("rb") as fh:
        frame = pd.read_csv(fh, compression="gzip")
    for col in ADULT_CATEGORICAL:
        frame[col] = frame[col].astype(object)
    return frame


def make_adult_pipeline(seed: int = ADULT_SEED) -> Any:
    """The unfitted scikit-learn pipeline of the Adult sample.

    Categorical columns are ordinal-encoded (one column per feature, missing values kept as
    missing) and passed with the numeric ones to a histogram gradient-boosting classifier, so
    that every model input is one named feature and SHAP's TreeExplainer applies exactly.

    Parameters
    ----------
    seed : int
        ``random_state`` of the classifier.

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    encode = ColumnTransformer(
        [("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
          ADULT_CATEGORICAL), ("numeric", "passthrough", ADULT_NUMERIC)],
        verbose_feature_names_out=False)
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, max_leaf_nodes=31,
                                           early_stopping=False, random_state=seed)
    return Pipeline([("encode", encode), ("model", model)])


@functools.lru_cache(maxsize=1)
def adult_model() -> Any:
    """The Adult sample's model, trained on first use (seeded; a few seconds) and kept in memory.

    The pipeline of :func:`make_adult_pipeline` fitted on the 32,561 rows of the UCI training
    file to predict ``income``. Its inputs are :data:`ADULT_FEATURES`, ``sex`` and ``race``
    included. Treat the returned object as read-only: it is shared by every caller.

    Returns
    -------
    sklearn.pipeline.Pipeline
        With ``predict_proba`` on a frame holding the feature columns.
    """
    from threadpoolctl import threadpool_limits

    train = _raw()[_raw()["split"] == "train"]
    pipe = make_adult_pipeline()
    with threadpool_limits(1):  # one thread: the same scores on every machine
        pipe.fit(train[ADULT_FEATURES], train["income"].to_numpy())
    return pipe


@functools.lru_cache(maxsize=1)
def _adult_frame() -> pd.DataFrame:
    raw = _raw()
    test = raw[raw["split"] == "test"].drop(columns="split").reset_index(drop=True)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        proba = adult_model().predict_proba(test[ADULT_FEATURES])[:, 1]
    test.insert(0, "id", np.arange(len(test), dtype="int64"))
    test["score"] = np.round(proba, 6)
    return test


def load_adult() -> pd.DataFrame:
    """Load the Adult sample: the UCI test records with the sample model's scores.

    The model (:func:`adult_model`) is trained on the UCI training file on first use; the frame
    holds the 16,281 records of the UCI test file, which the model never saw, with its score.

    Returns
    -------
    DataFrame
        ``id`` (row number), the features :data:`ADULT_FEATURES` (``age``, ``workclass``,
        ``education_num``, ``marital_status``, ``occupation``, ``relationship``, ``race``,
        ``sex``, ``capital_gain``, ``capital_loss``, ``hours_per_week``, ``native_country``;
        missing values as in the source), the label ``income`` (1: more than 50K a year) and
        ``score``, the model's probability of ``income = 1`` rounded to 6 decimals.

    Notes
    -----
    Source: the UCI Machine Learning Repository "Adult" data set (Becker and Kohavi, 1996,
    CC BY 4.0). ``assets/README.md`` gives the provenance and ``assets/make_adult.py`` the
    derivation. The model reads ``sex`` and ``race``; that is deliberate, so that the
    attribute-flip test has something to find.
    """
    return _adult_frame().copy()
