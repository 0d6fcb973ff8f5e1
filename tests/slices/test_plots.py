"""Error tree and heat map: node statistics and cells agree with the rows."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fairlens.datasets import make_planted
from fairlens.slices import error_heatmap, error_heatmap_table, error_tree, error_tree_figure


@pytest.fixture(scope="module")
def planted():
    data = make_planted(n=8_000, seed=2)
    errors = (data.frame["pred"] != data.frame["label"]).to_numpy(dtype=float)
    return data, errors


def test_error_tree_nodes_add_up(planted):
    data, errors = planted
    nodes = error_tree(data.frame, errors, features=data.features, max_depth=3)
    root = nodes.iloc[0]
    assert root["parent"] == -1 and root["n"] == len(errors)
    assert root["error_rate"] == pytest.approx(errors.mean())
    assert root["coverage"] == pytest.approx(1.0)
    leaves = nodes[nodes["leaf"]]
    assert leaves["n"].sum() == len(errors)
    assert leaves["coverage"].sum() == pytest.approx(1.0)
    assert nodes["depth"].max() <= 3
    for _, node in nodes[nodes["parent"] >= 0].iterrows():
        kids = nodes[nodes["parent"] == node["parent"]]
        parent = nodes[nodes["node"] == node["parent"]].iloc[0]
        assert kids["n"].sum() == parent["n"]
    assert "or missing" not in " ".join(nodes["condition"])
    fig = error_tree_figure(nodes)
    assert isinstance(fig, go.Figure) and fig.data[0].type == "icicle"
    assert len(fig.data[0].ids) == len(nodes)


def test_error_tree_finds_categorical_split():
    rng = np.random.default_rng(0)
    import pandas as pd

    frame = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 5_000), "x": rng.normal(size=5_000)})
    errors = rng.random(5_000) < np.where(frame["c"] == "b", 0.6, 0.1)
    nodes = error_tree(frame, errors, features=["c", "x"], max_depth=1)
    assert set(nodes["condition"][1:]) == {"c is b", "c is not b"}
    bad = nodes[nodes["condition"] == "c is b"].iloc[0]
    assert bad["error_rate"] == pytest.approx(errors[frame["c"] == "b"].mean())


def test_heatmap_cells_match_rows(planted):
    data, errors = planted
    rate, count = error_heatmap_table(data.frame, errors, x="age", y="region")
    assert list(rate.columns)[0] == "< 25"
    assert count.to_numpy().sum() == len(errors)
    cell = (data.frame["age"] < 25) & (data.frame["region"] == "north")
    assert count.loc["north", "< 25"] == cell.sum()
    assert rate.loc["north", "< 25"] == pytest.approx(errors[cell].mean())
    assert rate.loc["north", "< 25"] == np.nanmax(rate.to_numpy())
    fig = error_heatmap(data.frame, errors, x="age", y="region")
    assert fig.data[0].type == "heatmap"
    with pytest.raises(ValueError, match="two different features"):
        error_heatmap_table(data.frame, errors, x="age", y="age")
