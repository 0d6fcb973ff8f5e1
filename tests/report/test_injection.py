"""Hostile group names: escaped in HTML, neutralised in CSV, plain text in PDF."""

from __future__ import annotations

import io
import re

import pandas as pd

from fairlens.cli import main

from .conftest import FORMULA, SCRIPT
from .test_render import pdf_text


def test_script_and_formula_group_names(hostile_csv, tmp_path, capsys):
    code = main(["report", hostile_csv, "--label", "label", "--score", "score",
                 "--sensitive", "race", "--sensitive", "site", "--bootstrap", "100",
                 "--html", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf"),
                 "--csv", str(tmp_path / "csv"), "--quiet"])
    assert code == 0, capsys.readouterr().err

    html = (tmp_path / "r.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html, "the group name never appears as a live tag"
    assert len(re.findall(r"<script\b", html)) == 3, "only FairLens's own three scripts"
    assert "&#34;x&#34;" in html or "&quot;x&quot;" in html  # the formula, escaped

    groups = (tmp_path / "csv" / "groups.csv").read_bytes().decode()
    assert "'" + FORMULA.replace('"', '""') in groups
    for name in (tmp_path / "csv").iterdir():
        frame = pd.read_csv(io.BytesIO(name.read_bytes()), dtype=str, keep_default_na=False)
        for col in frame.columns:
            assert not str(col).startswith(("=", "+", "@")), (name.name, col)
            for cell in frame[col]:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name.name, cell)
                if cell.startswith("-"):
                    float(cell)  # plain negative numbers stay numbers
    tests = pd.read_csv(tmp_path / "csv" / "tests_vs_reference.csv")
    assert tests["difference"].dtype.kind == "f" and (tests["difference"] < 0).any()

    pdf = (tmp_path / "r.pdf").read_bytes()
    text = "".join(pdf_text(pdf))
    assert SCRIPT in text
    assert FORMULA in text
    assert b"/JavaScript" not in pdf and b"/URI" not in pdf
