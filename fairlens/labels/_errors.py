"""Messages of the label-issue analyses: what is wrong and how to fix it.

Module constants, so that the library, the CLI, the app and the tests share one wording.
"""

from __future__ import annotations

FEATURES_HINT = "(source='features'; CLI --features COL,COL)"
"""How the library and the CLI name the cross-validated model; the page names its radio button
instead (:func:`fairlens.wording.labels.for_page`)."""

PROBA_SHAPE = (
    "pred_probs must be a 2-D array (rows x classes) of class probabilities or a 1-D array of "
    "positive-class scores; got an array of shape {shape}."
)
PROBA_TOO_FEW_CLASSES = (
    "pred_probs has {k} column(s); label errors need probabilities for at least two classes. "
    "For a binary model pass the positive-class score as a 1-D array."
)
PROBA_NOT_NUMERIC = "pred_probs must be numeric; got dtype {dtype}."
PROBA_NOT_FINITE = (
    "pred_probs has {k} missing or infinite value(s) (first in row {row}). Fill or remove those "
    "rows."
)
PROBA_OUT_OF_RANGE = (
    "Probabilities must lie in [0, 1], but {what} range from {lo:.6g} to {hi:.6g}. These look "
    "like logits or raw scores, not probabilities: apply a softmax (multiclass) or a sigmoid "
    "(binary) first, or let FairLens compute cross-validated probabilities from the features "
    + FEATURES_HINT + "."
)
PROBA_ROWS_NOT_ONE = (
    "Class probabilities must sum to 1 in every row; row {row} sums to {worst:.6g} (tolerance "
    "{tol:g}). Give softmax probabilities with one column per class, in class order."
)
PROBA_DRIFT = (
    "Class probabilities were off by up to {off:.2g} (values outside [0, 1] or rows not "
    "summing to 1, within the tolerance of {tol:g}); they were clipped to [0, 1] and "
    "renormalised before looking for label errors."
)
LABELS_SHAPE = (
    "labels must be a 1-D array with one entry per row of pred_probs; got {n_labels} labels for "
    "{n_rows} rows."
)
LABELS_NOT_CODES = (
    "labels must be integer class indices 0..{k_max} that match the columns of pred_probs "
    "(found {examples}). Encode them first (e.g. with pandas.factorize, in the column order of "
    "pred_probs), or call fairlens.labels.label_issues on a frame, which does it for you."
)
LABELS_MISSING = "labels has {k} missing value(s). Remove or fill those rows."
LABELS_ONE_CLASS = (
    "All labels are the same class ({value!r}); finding label errors needs at least two "
    "classes among the given labels."
)
TOO_FEW_ROWS = "Finding label errors needs at least {minimum} rows; got {n}."
PRED_ONLY = (
    "Column(s) {cols} hold predicted labels, which carry no confidence, and confident learning "
    "needs probabilities. Map a score or class-probability column, or compute cross-validated "
    "probabilities from feature columns " + FEATURES_HINT + "."
)
NO_SOURCE = (
    "Nothing to find label errors with: map class probabilities (proba_prefix=), a score column "
    "(score=) or feature columns (features=) from which FairLens computes cross-validated "
    "probabilities."
)
SOURCE_UNAVAILABLE = (
    "source={source!r} needs {what}, which the mapping does not give. {hint}"
)
UNKNOWN_SOURCE = "source must be one of {choices}; got {value!r}."
UNKNOWN_SCORE_MODEL = "Score column {value!r} is not among the mapped score columns {choices}."
PER_SAMPLE_TASK = (
    "Label errors are defined for classification labels; this mapping audits a per-sample "
    "metric ({cols}). Map a label with class probabilities, a score or features."
)
NO_LABEL = "No label column is mapped. Name the true-label column (label=; CLI --label COL)."
UNKNOWN_DETECTOR = "Unknown label-issue detector {value!r}. Registered detectors: {choices}."
DETECTOR_INPUT = (
    "Detector {name!r} needs {needs}, which was not given. {hint}"
)
UNKNOWN_OPTION = "{name} must be one of {choices}; got {value!r}."
FRACTION_RANGE = "{name} must be in (0, 1]; got {value!r}."
POSITIVE_INT = "{name} must be a positive integer; got {value!r}."
FEATURES_MISSING = "Feature column(s) {cols} not found in the data. Available columns: {available}."
FEATURES_EMPTY = (
    "No feature columns given. Choose the columns the model should learn the label from "
    "(features=[...]; CLI --features COL,COL)."
)
FEATURES_INCLUDE_LABEL = (
    "The feature columns include the label column {col!r}: the cross-validated model would "
    "simply copy it and no label error could be found. Remove it from the features."
)
FEATURES_ROWS = "features has {n_features} rows but labels has {n_labels}; they must match."
N_SPLITS_RANGE = "n_splits must be an integer of at least 2; got {value!r}."
CV_CLASS_TOO_SMALL = (
    "Class {cls!r} has {n} row(s), too few for {k}-fold cross-validation; folds were reduced "
    "to {used}."
)
CV_SINGLETON_CLASS = (
    "Class(es) {classes} have a single row: a model trained without that row cannot predict "
    "its class, so it will be flagged. Check whether that label is a typo."
)
UNKNOWN_MODEL = (
    "Unknown model {value!r}. Choose one of {choices} or pass a scikit-learn classifier with "
    "predict_proba."
)
MODEL_NO_PROBA = (
    "The model {name} has no predict_proba; cross-validated probabilities need a probabilistic "
    "classifier."
)
IN_SAMPLE_NOTE = (
    "Confident learning assumes out-of-sample probabilities: each row's probabilities must come "
    "from a model that did not train on that row (cross-validation or a held-out set). "
    "Probabilities from a model trained on these rows (in-sample) agree with the given labels, "
    "wrong ones included, so most label errors go unnoticed."
)
IN_SAMPLE_SUSPECTED = (
    "The probabilities agree with {agree:.1%} of the given labels with a mean confidence of "
    "{confidence:.3f} in the given label: they look in-sample (from a model trained on these "
    "rows). Confident learning is unreliable on in-sample probabilities and misses most label "
    "errors. Use out-of-sample probabilities, or compute cross-validated ones from the features "
    + FEATURES_HINT + "."
)
RAW_SCORE_NOT_PROBABILITY = (
    "Score column {col!r} is mapped as a raw score ({range}), not as a probability, so it "
    "cannot be used as class probabilities to find label errors: confident learning would read "
    "a score of 1 as certainty and flag every label that contradicts it. Let FairLens compute "
    "cross-validated probabilities from the features instead " + FEATURES_HINT + ", or, if the "
    "score really is the probability of the positive class, map it as one "
    "(score_kind='probability'; CLI --score-kind probability)."
)
RAW_SCORES_OUT_OF_RANGE = RAW_SCORE_NOT_PROBABILITY
"""The older name of :data:`RAW_SCORE_NOT_PROBABILITY`."""
MAX_ROWS_RANGE = "max_rows must be an integer of at least {minimum}; got {value!r}."
REFERENCE_NOT_FOUND = (
    "Reference group {ref!r} does not occur in {grouping!r} (groups: {groups}). Pick one of the "
    "listed groups or leave it empty for the largest group."
)
NO_PREDICTIONS_FOR_AUDIT = (
    "The mapping has no model predictions (score, predicted label or class probabilities), so "
    "the fairness audit before and after removing label errors was skipped."
)
RELABEL_UNKNOWN_VALUE = (
    "Class {cls!r} does not occur in the label column, so rows whose suggested label is "
    "{cls!r} were left unchanged when relabelling."
)
DECISION_UNKNOWN = "decision must be one of {choices}; got {value!r}."
DECISION_ROW = "Row {row} is outside the data (0..{last})."
CORRECTED_LABEL_UNKNOWN = (
    "Corrected label {value!r} is not one of the classes {classes}."
)
REVIEW_SCHEMA = (
    "Review file {path} has schema {schema!r}; this version of FairLens reads {expected!r}."
)
REVIEW_UNREADABLE = "Review file {path} is unreadable: {detail}"
REVIEW_OTHER_DATA = (
    "Review file {path} belongs to other data ({found}); expected {expected}."
)
SAME_MODEL = (
    "The label errors were found with the probabilities of the audited model itself ({what}). "
    "Flagged rows are then by construction rows this model gets confidently wrong, so "
    "excluding or relabelling them flatters the model, most of all in a group where its scores "
    "are biased. For a fair before/after comparison, find the errors with an independent model "
    "cross-validated on the features " + FEATURES_HINT + "."
)
EXCLUSION_HARD_ROWS = (
    "Exclusion removes every flagged row, and flagged rows are not all label errors: some are "
    "correctly labelled cases that are hard to predict. Metrics such as AUC and accuracy rise "
    "for every group once they are gone; compare groups, not levels."
)
