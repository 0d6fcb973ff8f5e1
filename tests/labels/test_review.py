"""The review queue: ranking, decisions saved as JSON, formula-safe CSV, corrected audit."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import fairlens.labels as fl
from fairlens import FairLensInputError


@pytest.fixture(scope="module")
def found(planted):
    return fl.label_issues(planted.frame, label="label", score="score", sensitive=["group"],
                           features=planted.features)


def test_queue_ranks_flagged_rows_with_their_data(planted, found):
    queue = fl.review_queue(found, planted.frame)
    assert len(queue) == found.n_issues
    assert list(queue["rank"][:3]) == [1, 2, 3]
    assert queue["label_quality"].is_monotonic_increasing
    assert list(queue.columns[:6]) == ["rank", "row", "label_quality", "given_label",
                                       "suggested_label", "suggested_probability"]
    assert {"group", *planted.features} <= set(queue.columns)
    first = int(queue["row"].iloc[0])
    assert queue["age"].iloc[0] == planted.frame["age"].iloc[first]
    assert queue["given_label"].iloc[0] == planted.frame["label"].iloc[first]
    assert (queue["decision"] == "").all()


def test_decisions_persist_as_json_and_survive_a_new_store(tmp_path, planted, found):
    store = fl.ReviewStore(tmp_path)
    log = store.load("abc123", "label")
    assert log.decisions == {}
    rows = found.ranked_rows[:3]
    log.decide_for(found, rows[0], "wrong")
    log.decide_for(found, rows[1], "right", note="checked the file")
    log.decide_for(found, rows[2], "wrong", corrected_label=int(found.labels[rows[2]]))
    path = store.save(log)
    assert path.parent == tmp_path / "reviews" and path.suffix == ".json"
    doc = json.loads(path.read_text())
    assert doc["schema"] == fl.REVIEW_SCHEMA and len(doc["decisions"]) == 3

    again = fl.ReviewStore(tmp_path).load("abc123", "label")
    assert again.counts() == {"wrong": 2, "right": 1, "unsure": 0}
    assert again.decisions[int(rows[1])].note == "checked the file"
    corrections = again.corrections(found)
    assert corrections[int(rows[0])] == found.class_value(found.suggested[rows[0]])
    assert corrections[int(rows[2])] == found.class_value(found.labels[rows[2]])
    queue = fl.review_queue(found, planted.frame, log=again)
    shown = queue.set_index("row").loc[int(rows[0]), "decision"]
    assert shown == "Label wrong"

    again.clear(rows[1])
    fl.ReviewStore(tmp_path).save(again)
    assert fl.ReviewStore(tmp_path).load("abc123", "label").counts()["right"] == 0
    # Another label column of the same data has its own file.
    assert fl.ReviewStore(tmp_path).load("abc123", "other").decisions == {}


def test_invalid_decisions_and_files(tmp_path, found):
    log = fl.ReviewStore(tmp_path).load("k1", "label")
    with pytest.raises(FairLensInputError, match="decision must be one of"):
        log.decide_for(found, 0, "maybe")
    with pytest.raises(FairLensInputError, match="outside the data"):
        log.decide_for(found, found.n_rows, "right")
    with pytest.raises(FairLensInputError, match="not one of the classes"):
        log.decide_for(found, 0, "wrong", corrected_label=7)
    with pytest.raises(FairLensInputError, match="Invalid data key"):
        fl.ReviewStore(tmp_path).path("../etc", "label")
    path = fl.ReviewStore(tmp_path).path("k2", "label")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"schema": "something/else"}')
    with pytest.raises(FairLensInputError, match="schema"):
        fl.ReviewStore(tmp_path).load("k2", "label")
    path.write_text("{not json")
    with pytest.raises(FairLensInputError, match="unreadable"):
        fl.ReviewStore(tmp_path).load("k2", "label")


def test_reviewed_corrections_change_the_audit(planted, found):
    log = fl.ReviewLog("k", "label")
    rows = [int(r) for r in found.ranked_rows[:200]]
    for r in rows:
        log.decide_for(found, r, "wrong")
    corrected = fl.corrected_labels(planted.frame, found, log)
    changed = np.flatnonzero(corrected.to_numpy() != planted.frame["label"].to_numpy())
    assert sorted(changed) == sorted(rows)
    audit, n_changed, _ = fl.corrected_audit(planted.frame, found, log.corrections(found),
                                             bootstrap=0, ci="wilson")
    assert n_changed == 200
    assert audit.overall["accuracy"] > fl.analyze_labels(
        planted.frame, label="label", score="score", sensitive="group", bootstrap=0,
        ci="wilson").fairness.audits["before"].overall["accuracy"]


def test_csv_export_is_formula_safe():
    frame = pd.DataFrame({
        "text": ["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "plain",
                 "-3.5", "-12"],
        "number": [-1, -2.5, 3, 4, 5, 6, 7, 8, 9],
    })
    safe = fl.formula_safe(frame)
    assert list(safe["text"]) == ["'=HYPERLINK(\"x\")", "'+1+1", "'-2+3", "'@SUM(A1)",
                                  "'\tTAB", "'\rCR", "plain", "-3.5", "-12"]
    assert safe["number"].tolist() == [-1, -2.5, 3, 4, 5, 6, 7, 8, 9]
    read = pd.read_csv(io.BytesIO(fl.to_csv_bytes(frame)), keep_default_na=False)
    assert read["number"].dtype.kind == "f" and read["number"].iloc[0] == -1
    assert str(read["text"].iloc[0]).startswith("'=")
    assert fl.formula_safe(pd.DataFrame({"=bad": [1]})).columns[0] == "'=bad"


def test_review_csv_contains_the_decisions(planted, found):
    log = fl.ReviewLog("k", "label")
    row = int(found.ranked_rows[0])
    log.decide_for(found, row, "unsure", note="=cmd|' /C calc'!A0")
    data = fl.review_csv(found, planted.frame, log=log)
    table = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    first = table[table["row"] == row].iloc[0]
    assert first["decision"] == "Unsure"
    assert first["note"].startswith("'=")
