"""The state file: shared by successive emulators, and never left half-written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from deployer.emulator import Emulator, EmulatorSettings

API = "https://local.emulator/api/v2"
Connect = Callable[[Emulator], httpx.Client]
POST_LOGIN = [{"id": "post-login", "version": "v3"}]


def test_second_emulator_on_the_file_sees_everything(
    tmp_path: Path, settings: EmulatorSettings, clock: Any, connect: Connect
) -> None:
    state = tmp_path / "state.json"
    first = Emulator(settings, state_path=state, clock=clock)
    http = connect(first)
    created = http.post(
        "/actions/actions",
        json={
            "name": "a",
            "supported_triggers": POST_LOGIN,
            "secrets": [{"name": "S", "value": "kept-value"}],
        },
    ).json()
    clock.advance(3)
    http.post(f"/actions/actions/{created['id']}/deploy")
    first.add_client("other", "other-secret", ["read:actions"])

    # The next process reads the deploy as still settling, then as live, from timestamps.
    second = Emulator(settings, state_path=state, clock=clock)
    http2 = connect(second)
    assert "deployed_version" not in http2.get(f"/actions/actions/{created['id']}").json()
    clock.advance(2)
    action = http2.get(f"/actions/actions/{created['id']}").json()
    assert action["deployed_version"]["number"] == 1
    assert second.secret_values(created["id"]) == {"S": "kept-value"}
    assert "other" in second.state.clients
    # A token from the first process still opens the second: same signing key.
    token_headers = {"authorization": f"Bearer {first.issue_token()}"}
    assert (
        httpx.Client(transport=second.transport(), base_url=API)
        .get("/actions/actions", headers=token_headers)
        .status_code
        == 200
    )


def test_state_file_is_private(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    Emulator(state_path=state)
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def test_opening_a_tenant_writes_its_file_only_when_something_changed(tmp_path: Path) -> None:
    from deployer.emulator import ClientSpec

    state = tmp_path / "state.json"
    key = Emulator(state_path=state).state.signing_key  # a new tenant: written at once
    written = state.stat()
    again = Emulator(state_path=state)
    assert again.state.signing_key == key
    assert (state.stat().st_ino, state.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    extra = ClientSpec("ci", "ci-secret-0123456789abcdefghijklmnopqrstuvwxyz")
    Emulator(EmulatorSettings(clients=(extra,)), state_path=state)
    assert Emulator(state_path=state).state.clients["ci"] == extra


def test_failed_write_keeps_the_previous_state(
    tmp_path: Path,
    settings: EmulatorSettings,
    clock: Any,
    connect: Connect,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = tmp_path / "state.json"
    emu = Emulator(settings, state_path=state, clock=clock)
    http = connect(emu)
    http.post("/actions/actions", json={"name": "before", "supported_triggers": POST_LOGIN})
    before = state.read_bytes()

    def crash(*_: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        http.post("/actions/actions", json={"name": "after", "supported_triggers": POST_LOGIN})
    monkeypatch.undo()

    assert state.read_bytes() == before
    # No temp file left behind (the lock file stays: deployer/locks.py).
    assert sorted(tmp_path.iterdir()) == [state, tmp_path / "state.json.lock"]
    names = [a.name for a in Emulator(settings, state_path=state).state.actions.values()]
    assert names == ["before"]


def test_process_killed_mid_write_leaves_a_readable_state(tmp_path: Path) -> None:
    """A real crash: the child dies (os._exit) after writing half a temp file."""
    state = tmp_path / "state.json"
    Emulator(state_path=state).seed_action("before")
    child = textwrap.dedent(
        f"""
        import json, os
        from pathlib import Path
        from deployer.emulator import Emulator

        real_dump = json.dump

        def dump_half_then_die(obj, out, **kw):
            out.write(json.dumps(obj)[:50])
            out.flush()
            os._exit(9)

        emu = Emulator(state_path=Path({str(state)!r}))
        json.dump = dump_half_then_die
        emu.seed_action("after")
        """
    )
    done = subprocess.run([sys.executable, "-c", child], cwd=Path.cwd(), check=False)
    assert done.returncode == 9
    assert [a["name"] for a in json.loads(state.read_text())["actions"]] == ["before"]
    names = [a.name for a in Emulator(state_path=state).state.actions.values()]
    assert names == ["before"]
