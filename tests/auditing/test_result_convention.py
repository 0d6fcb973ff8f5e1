"""The audit follows the result convention: SCHEMA, to_dict, warnings, tables, summary_lines."""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest

import fairlens
from fairlens.auditing import SCHEMA
from fairlens.datasets import SAMPLES


@pytest.fixture(scope="module")
def compas_audit() -> fairlens.Audit:
    sample = SAMPLES["compas"]
    return fairlens.audit_spec(sample.loader(), fairlens.AuditSpec(**sample.audit),
                               bootstrap=0, ci="wilson")


def test_to_dict_is_json_with_the_schema(compas_audit):
    doc = compas_audit.to_dict()
    assert doc["schema"] == SCHEMA == compas_audit.SCHEMA
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
    assert doc["warnings"] == compas_audit.warnings
    assert all(isinstance(w, str) for w in compas_audit.warnings)


def test_tables_are_the_audit_frames(compas_audit):
    tables = compas_audit.tables()
    assert list(tables) == ["overall", "groups", "disparities", "equity"]
    assert all(isinstance(t, pd.DataFrame) for t in tables.values())
    pd.testing.assert_frame_equal(tables["groups"], compas_audit.by_group)
    pd.testing.assert_frame_equal(tables["equity"], compas_audit.equity)
    overall = tables["overall"].iloc[0]
    assert overall["model"] == compas_audit.primary.name
    assert overall["n"] == compas_audit.n_rows
    assert overall["auc"] == compas_audit.overall["auc"]


def test_summary_lines_are_what_the_cli_prints(compas_audit):
    from fairlens.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["audit", "--sample", "compas", "--bootstrap", "0", "--ci", "wilson"])
    assert code == 0
    assert out.getvalue() == "\n".join(compas_audit.summary_lines()) + "\n"
    assert compas_audit.summary_lines()[0].startswith("FairLens audit: 7214 rows, task binary")
