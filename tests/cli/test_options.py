"""Every command spells a shared role the same way, from one definition."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from fairlens.cli import build_parser
from fairlens.cli._common import OPTIONS, columns

ROOT = Path(__file__).resolve().parents[2] / "fairlens"
#: A valid invocation prefix of each command that has ``--features``.
WITH_FEATURES = {
    "audit": ["audit", "x.csv"],
    "labels": ["labels", "x.csv"],
    "slices": ["slices", "x.csv"],
    "explain": ["explain", "x.csv"],
    "remedy": ["remedy", "x.csv"],
    "report": ["report", "x.csv"],
}
COMPARED = ("dest", "type", "default", "nargs", "const", "choices", "help", "metavar",
            "option_strings")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _definition(action: argparse.Action) -> dict[str, object]:
    out = {key: getattr(action, key) for key in COMPARED}
    out["action"] = type(action).__name__
    return out


@pytest.mark.parametrize("command", sorted(WITH_FEATURES))
def test_features_comma_list_equals_repeated_flag(command: str) -> None:
    parser = build_parser()
    prefix = WITH_FEATURES[command]
    comma = parser.parse_args([*prefix, "--features", "A,B"])
    repeated = parser.parse_args([*prefix, "--features", "A", "--features", "B"])
    assert columns(comma.features) == columns(repeated.features) == ["A", "B"]
    both = parser.parse_args([*prefix, "--sensitive", "r,s", "--sensitive", "t"])
    assert columns(both.sensitive) == ["r", "s", "t"]


@pytest.mark.parametrize("command", ["audit", "slices", "report"])
def test_old_feature_flag_is_a_hidden_alias(command: str) -> None:
    parser = build_parser()
    old = parser.parse_args([*WITH_FEATURES[command], "--feature", "A", "--feature", "B"])
    assert columns(old.features) == ["A", "B"]
    assert "--feature " not in _commands()[command].format_help()


def test_shared_roles_have_one_definition_in_every_command() -> None:
    seen: dict[str, dict[str, dict[str, object]]] = {}
    for name, parser in _commands().items():
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or action.dest not in OPTIONS:
                continue
            seen.setdefault(action.dest, {})[name] = _definition(action)
    for role in ("features", "sensitive", "min_group_size", "bootstrap", "seed", "json"):
        assert len(seen[role]) >= 3, (role, sorted(seen[role]))
    for role, by_command in seen.items():
        first = next(iter(by_command.values()))
        differing = {c: d for c, d in by_command.items() if d != first}
        assert not differing, (role, first, differing)
        flags, keywords = OPTIONS[role]
        assert first["help"] == keywords["help"]
        assert first["option_strings"] == ([] if flags == ("data",) else list(flags))


def test_every_command_has_a_handler() -> None:
    for name, parser in _commands().items():
        assert callable(parser.get_default("handler")), name
        assert parser.get_default("prog").startswith("fairlens"), name


def test_nothing_outside_the_cli_imports_it() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "cli" or rel == Path("__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "fairlens.cli" or n.startswith("fairlens.cli.") for n in names):
                offenders.append(str(rel))
    assert not offenders
