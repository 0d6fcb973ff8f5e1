"""Validation errors and their messages.

Every message says what is wrong and how to fix it. They are module constants so that the
CLI, the app and the tests share one wording.
"""

from __future__ import annotations


class FairLensInputError(ValueError):
    """Raised when an input file, a column mapping or an option cannot be used.

    It is a ``ValueError`` so that callers that already catch ``ValueError`` keep working.
    """


EMPTY_FILE = "The file is empty. Upload a CSV, TSV or Parquet file with a header row and data rows."
NOT_A_TABLE = (
    "Could not read the file as a table ({detail}). FairLens reads CSV, TSV and Parquet; "
    "check that the file is one of these and is not truncated."
)
NO_DATA_ROWS = "The file has a header but no data rows. Add rows or choose another file."
UNSUPPORTED_FORMAT = "Unsupported file format {fmt!r}. Use one of: csv, tsv, parquet."
DUPLICATE_COLUMNS = (
    "The file has duplicate column names: {cols}, with different values (an audit would read "
    "only the first). Rename them so each is unique."
)
MISSING_COLUMNS = "Column(s) {cols} not found in the data. Available columns: {available}."
NO_PREDICTION = (
    "No prediction given. Pass exactly one of score=, pred=, proba_prefix= or metric= "
    "(CLI: --score, --pred, --proba-prefix or --metric)."
)
TOO_MANY_PREDICTION_KINDS = (
    "Give only one kind of prediction, not {kinds}. A score column, a predicted-label column, "
    "class-probability columns and a per-sample metric are alternatives."
)
NO_LABEL = "No label column given. Name the true-label column (CLI: --label COL)."
NO_SENSITIVE = "No sensitive attribute given. Name at least one column (CLI: --sensitive COL)."
NON_NUMERIC_SCORE = (
    "Score column {col!r} is not numeric (example value: {example!r}). Scores must be "
    "probabilities of the positive class between 0 and 1."
)
SCORE_OUT_OF_RANGE = (
    "Score column {col!r} has values outside [0, 1] (min {lo:.6g}, max {hi:.6g}). "
    "Scores must be probabilities; apply a sigmoid/softmax to logits first, or use --pred "
    "with a predicted-label column."
)
SCORE_MISSING = (
    "Column {col!r} has {k} missing value(s) (first at row {row}). Fill or remove those rows."
)
PROBA_NO_COLUMNS = (
    "No columns start with the probability prefix {prefix!r}. Columns: {available}."
)
PROBA_ROWS_NOT_SUM_TO_ONE = (
    "Class probabilities with prefix {prefix!r} do not sum to 1 (worst row sums to {worst:.6g}). "
    "Give softmax probabilities, one column per class."
)
PROBA_LABEL_NOT_IN_CLASSES = (
    "Label column {col!r} has value(s) {values} that match no probability column "
    "(classes: {classes}). Name the probability columns <prefix><class>."
)
LABEL_MISSING = "Label column {col!r} has {k} missing value(s). Remove or fill those rows."
LABEL_NOT_BINARY = (
    "Label column {col!r} has {k} distinct values ({values}); a binary audit needs exactly two. "
    "Use --proba-prefix for a multiclass model, or recode the label to two values."
)
LABEL_ONE_VALUE = (
    "Label column {col!r} has only one value ({value!r}); rates such as TPR and FPR need both "
    "classes. Check the label column or the filter that produced this file."
)
POSITIVE_LABEL_ABSENT = (
    "The positive label {pos!r} does not occur in label column {col!r} (values: {values}). "
    "Set --positive-label to one of them."
)
PRED_NOT_BINARY = (
    "Predicted-label column {col!r} has values {values} outside the label's values {labels}. "
    "Predicted labels must use the same coding as the label column."
)
METRIC_NON_NUMERIC = (
    "Per-sample metric column {col!r} is not numeric (example value: {example!r})."
)
SENSITIVE_ALL_MISSING = (
    "Sensitive attribute {col!r} is empty in every row, so no groups can be formed. "
    "Choose another column or fill it in."
)
SENSITIVE_IS_LABEL = (
    "Column {col!r} is used both as a sensitive attribute and as the label/prediction. "
    "Pick different columns."
)
THRESHOLD_RANGE = "Threshold must be between 0 and 1, got {value!r}."
REFERENCE_NOT_FOUND = (
    "Reference group {ref!r} does not occur in {grouping!r} (groups: {groups}). "
    "Pick one of the listed groups or leave it empty for the largest group."
)
WEIGHTS_INVALID = (
    "Weight column {col!r} must be numeric, finite and non-negative; found {problem}."
)
BOOTSTRAP_RANGE = "bootstrap must be 0 (no bootstrap) or at least 50 replicates, got {value!r}."
MIN_GROUP_SIZE_RANGE = "min_group_size must be a non-negative integer, got {value!r}."
NO_ROWS_LEFT = (
    "No rows are left after {step}. Check the column mapping and the filters."
)
FILE_TOO_LARGE = "The file is {size_mb:.0f} MB, above the limit of {limit_mb:.0f} MB. {hint}"
DUPLICATE_FRAME_COLUMNS = (
    "The data has duplicate column names: {cols}. Rename them so each is unique "
    "(pandas: frame.columns = [...])."
)
COLUMN_NAMES_CLASH = (
    "Column names {cols} become the same text ({text!r}); FairLens names columns by text. "
    "Rename them so each prints differently."
)
TOO_MANY_COLUMNS = (
    "The file has {n:,} columns, above the limit of {limit:,}. Keep only the columns the audit "
    "needs (label, predictions, sensitive attributes and the features to analyse) and save "
    "the file again, or raise the limit with the environment variable {env}."
)
TOO_MANY_ROWS = (
    "The file holds {rows} rows (about {memory} once read into memory), above the "
    "in-memory limit of {limit:,} rows and {limit_memory}. Audit it from the command line "
    "with `fairlens audit FILE --engine duckdb ...`, which reads the file without loading it, "
    "or take a sample; the limits are set by the environment variables {env_rows} and {env_mb}."
)
NESTED_COLUMNS = (
    "Column(s) {cols} hold nested or unsupported values ({types}); FairLens reads flat columns "
    "of numbers, text, booleans and dates. Flatten them (pyarrow: table.flatten(); pandas: "
    "one column per field) or drop them before saving the file."
)
UNHASHABLE_VALUES = (
    "Column {col!r} holds values of type {kind} (example: {example}), which cannot form groups. "
    "Turn them into text or numbers first."
)
TOO_MANY_GROUPS = (
    "Sensitive attribute {col!r} has {n:,} distinct values, above the limit of {limit:,} "
    "groups per attribute: that many groups would take more memory and time than an audit "
    "should. Group the rare values as \"other\" (CLI: --bucket-rare N keeps the N most "
    "frequent values; Python: frame[{col!r}] = fairlens.data.bucket_rare(frame[{col!r}], top=N)), "
    "pick a coarser column, or raise the limit with the environment variable {env}."
)
TOO_MANY_INTERSECTIONS = (
    "The intersection of {cols} has {n:,} groups, above the limit of {limit:,}. Audit fewer "
    "attributes together, group rare values as \"other\" (CLI: --bucket-rare N; Python: "
    "fairlens.data.bucket_rare(frame[col], top=N) on each), or raise the limit with the "
    "environment variable {env}."
)
