"""``fairlens report``: the analyses' settings in the written config, and switches given next to
``--config``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from fairlens.cli import main
from fairlens.report import ReportConfig


def _frame(n: int = 900, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B"], n, p=[0.6, 0.4])
    y = (rng.random(n) < np.where(race == "B", 0.5, 0.35)).astype(int)
    score = np.clip(0.5 * y + rng.normal(0.25, 0.2, n) + (race == "B") * 0.1, 0, 1)
    return pd.DataFrame({"label": y, "score": score.round(3), "race": race,
                         "age": rng.integers(18, 70, n)})


def test_written_config_has_a_table_per_analysis_and_flags_add_to_it(tmp_path, capsys):
    _frame().to_csv(tmp_path / "preds.csv", index=False)
    code = main(["report", str(tmp_path / "preds.csv"), "--label", "label", "--score", "score",
                 "--sensitive", "race", "--bootstrap", "0", "--remedy", "thresholds",
                 "--write-config", str(tmp_path / "a.toml"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    text = (tmp_path / "a.toml").read_text()
    assert '[analyses.remedy]\nmethod = "thresholds"' in text
    config = ReportConfig.from_toml(text)
    assert config.analyses == {"remedy": {"method": "thresholds"}} and config.origins == {}

    # the page's settings of one method do not carry over to another method
    config.params = {"remedy": {"tolerance": 0.2, "test_size": 0.4}}
    config.origins = {"remedy": "page"}
    config.save(tmp_path / "a.toml")
    code = main(["report", "--config", str(tmp_path / "a.toml"), "--json",
                 str(tmp_path / "same.json"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    same = json.loads((tmp_path / "same.json").read_text())
    assert same["remedy"]["split"]["test_size"] == 0.4 and same["remedy"]["tolerance"] == 0.2
    code = main(["report", "--config", str(tmp_path / "a.toml"), "--remedy", "reweigh",
                 "--json", str(tmp_path / "other.json"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    other = json.loads((tmp_path / "other.json").read_text())
    assert other["config"]["analyses"] == {"remedy": {"method": "reweigh"}}
    assert other["remedy"]["method"] == "reweigh"
    assert other["remedy"]["split"]["test_size"] == 0.3
