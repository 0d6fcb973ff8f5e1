"""Loading, the data contract (:class:`AuditSpec`) and validation."""

from fairlens.data._columns import frame_and_spec
from fairlens.data._errors import FairLensInputError
from fairlens.data._load import detect_delimiter, detect_encoding, read_table
from fairlens.data._prepare import MISSING_GROUP, Attribute, PreparedData, prepare
from fairlens.data._screen_result import ColumnScreen, Screening
from fairlens.data._screening import bucket_rare, feature_warnings, infer_spec, screen_columns
from fairlens.data._spec import AuditSpec, guess_roles

__all__ = [
    "MISSING_GROUP",
    "Attribute",
    "AuditSpec",
    "ColumnScreen",
    "FairLensInputError",
    "PreparedData",
    "Screening",
    "bucket_rare",
    "detect_delimiter",
    "detect_encoding",
    "feature_warnings",
    "frame_and_spec",
    "guess_roles",
    "infer_spec",
    "prepare",
    "read_table",
    "screen_columns",
]
