"""Loading, the data contract (:class:`AuditSpec`) and validation."""

from fairlens.data._columns import frame_and_spec
from fairlens.data._errors import FairLensInputError
from fairlens.data._load import detect_delimiter, detect_encoding, read_table
from fairlens.data._prepare import MISSING_GROUP, Attribute, PreparedData, prepare
from fairlens.data._spec import AuditSpec, infer_spec

__all__ = [
    "MISSING_GROUP",
    "Attribute",
    "AuditSpec",
    "FairLensInputError",
    "PreparedData",
    "detect_delimiter",
    "detect_encoding",
    "frame_and_spec",
    "infer_spec",
    "prepare",
    "read_table",
]
