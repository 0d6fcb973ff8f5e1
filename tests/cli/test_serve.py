"""``fairlens serve``: this machine only by default; another address warns that there is no
login."""

from __future__ import annotations

import subprocess

import pytest

from fairlens.cli import main, serve


@pytest.fixture
def calls(monkeypatch):
    seen: list[list[str]] = []

    def fake_call(cmd, **kwargs):
        seen.append(list(cmd))
        return 0

    monkeypatch.setattr(subprocess, "call", fake_call)
    return seen


def address(cmd: list[str]) -> str:
    return cmd[cmd.index("--server.address") + 1]


def test_serve_binds_to_this_machine_by_default(calls, capsys):
    assert main(["serve"]) == 0
    [cmd] = calls
    assert address(cmd) == "127.0.0.1" and cmd[cmd.index("--server.port") + 1] == "8501"
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_an_open_address_prints_a_warning(calls, capsys, host):
    assert main(["serve", "--host", host, "--port", "9000"]) == 0
    assert address(calls[0]) == host
    err = capsys.readouterr().err
    assert err.startswith(f"fairlens serve: warning: listening on {host}, so anyone who can "
                          "reach this machine on port 9000 can open the app")
    assert "[auth] in .streamlit/secrets.toml" in err


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "127.0.0.2"])
def test_loopback_addresses_are_quiet(calls, capsys, host):
    assert main(["serve", "--host", host]) == 0
    assert capsys.readouterr().err == "" and serve.is_local(host)
