"""The thresholds of the column screening (:mod:`fairlens.data._screening`, which exports them;
the README's "Column screening" section documents each)."""

from __future__ import annotations

#: Nearly unique: a text column with at least this share of distinct values (among the
#: non-missing ones) is an identifier; so is a nearly unique integer column in row order or
#: without gaps (a row number), or any nearly unique column named like an id.
ID_DISTINCT_RATIO = 0.9
#: A column named like an identifier or a person's name (``id``, ``*_id``, ``name``, ``first``,
#: ``last``, ``*_number`` ...) is one from this share of distinct values on.
ID_NAMED_RATIO = 0.2
#: Fewest distinct values of an identifier (a 10-row file's categories are not identifiers).
ID_MIN_VALUES = 20
#: Free text: text with at least this many words a value on average ...
FREE_TEXT_MIN_WORDS = 5.0
#: ... and at least this share of distinct values.
FREE_TEXT_DISTINCT_RATIO = 0.5
#: Nearly all missing: at least this share of the rows has no value.
MOSTLY_MISSING = 0.95
#: A text column is a date when at least this share of its values reads as a date.
DATE_SHARE = 0.9
#: A label leak: a cross-fitted single-column AUC (either direction) of at least this.
LEAK_AUC = 0.85
#: Rows sampled (fixed seed) for the leak and score-copy checks of a large file.
SAMPLE_ROWS = 20_000
#: Rows sampled (fixed seed) by :func:`feature_warnings` from a larger file.
WARNING_ROWS = 100_000
#: Folds of the cross-fitted AUC.
LEAK_FOLDS = 2
#: A leak by association: a value (or being present) that covers at least this share of
#: the rows and goes with one state of a leak column in at least LEAK_IMPLIED_PURITY of them
#: (``vr_charge_degree`` is only filled in where ``is_recid`` is 1).
#: The state needs at least LEAK_IMPLIED_MIN_ROWS rows too, and enough for a pure state by
#: chance to be unlikely (under one in a million); leak columns whose most common value holds
#: LEAK_IMPLIED_MAX_SHARE of the rows or more are not used.
LEAK_IMPLIED_MIN_SHARE = 0.01
LEAK_IMPLIED_PURITY = 0.995
LEAK_IMPLIED_MIN_ROWS = 30
LEAK_IMPLIED_MAX_SHARE = 0.9
#: Fewest rows of the smaller label class for the leak checks to run.
LEAK_MIN_CLASS = 5
#: A score copy: Spearman's |rho| with a score or prediction column of at least this (or a
#: binning of one: each value covers one range of the score).
SCORE_COPY_RHO = 0.9
#: Another model's score: a column named like a score with |rho| of at least this with the
#: audited score; it is left out of the features (audit it as a further model).
OTHER_SCORE_RHO = 0.5
#: Text columns with more distinct values than this stay features, bucketed by the model
#: encoders into their TOP_VALUES most frequent values and "other" (:func:`bucket_rare`).
HIGH_CARDINALITY = 50
TOP_VALUES = 30
#: The value that stands for the rare values in :func:`bucket_rare`.
OTHER = "other"
#: Seed of the row sample and of the folds.
SEED = 0
