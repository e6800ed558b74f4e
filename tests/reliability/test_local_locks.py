"""Local state shared by processes: no lost update, a waiting process says so, nothing hangs."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support.project import REPO, TENANTS_YAML

from deployer.locks import FileLock, LockTimeoutError, _command

CLI = [sys.executable, "-c", "from deployer.cli import main; main()"]
# A deploy with the CLI, in a process of its own, against fast embedded settings.
DEPLOY = textwrap.dedent(
    """
    import sys
    from deployer.emulator import EmulatorSettings
    from deployer.cli import cli
    fast = EmulatorSettings(build_seconds=0.05, deploy_settle_seconds=0.05, rate_limit_burst=None)
    cli(
        ["-c", sys.argv[1], "deploy", "--tenant", "local", "--yes"],
        prog_name="deployer",
        obj=fast,
    )
    """
)


def _project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "actions" / "accept-terms", tmp_path / "accept-terms")
    for version in ("2026-11-01", "2026-12-01"):
        text = TENANTS_YAML.replace('version: "2026-11-01"', f'version: "{version}"')
        (tmp_path / f"tenants-{version}.yaml").write_text(text)
    return tmp_path


def _versions_in_history(state: Path) -> set[str]:
    data = json.loads(state.read_text())
    found = set()
    for action in data["actions"]:
        for version in action["versions"]:
            for terms in ("2026-11-01", "2026-12-01"):
                if f'"version": "{terms}"' in version["code"]:
                    found.add(terms)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
def test_two_deploys_to_local_never_both_succeed_unless_both_are_in_the_history(
    tmp_path: Path, round_: int
) -> None:
    root = _project(tmp_path)
    env = {**os.environ, "NO_COLOR": "1"}
    runs = {
        version: subprocess.Popen(
            [sys.executable, "-c", DEPLOY, str(root / f"tenants-{version}.yaml")],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for version in ("2026-11-01", "2026-12-01")
    }
    outputs = {v: p.communicate(timeout=120)[0] for v, p in runs.items()}
    codes = {v: p.returncode for v, p in runs.items()}
    assert all(code in (0, 1) for code in codes.values()), outputs
    assert "Traceback" not in "".join(outputs.values())
    history = _versions_in_history(root / ".deployer" / "local" / "emulator.json")
    for version, code in codes.items():
        if code == 0:
            assert "now matches" in outputs[version], outputs[version]
            assert version in history, (outputs, history)
    # One action, whatever the interleaving: nothing created twice.
    data = json.loads((root / ".deployer" / "local" / "emulator.json").read_text())
    assert [a["name"] for a in data["actions"]] == ["Accept Terms"]


HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from deployer.locks import FileLock
    with FileLock(Path(sys.argv[1]), what="the test file"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _holder(path: Path, seconds: float) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline() == "held\n"
    return child


def test_a_second_process_waits_and_says_for_whom(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    child = _holder(target, 1.5)
    lines: list[str] = []
    with FileLock(target, what="the test file", notify=lines.append):
        pass
    child.wait(timeout=10)
    assert len(lines) == 1  # it waited (a notice after a second), then got the lock
    assert f"pid {child.pid}" in lines[0] and "the test file" in lines[0]


def test_the_lock_file_names_its_holder_only(tmp_path: Path) -> None:
    """Whatever a previous holder wrote there, longer or shorter, it names the present one."""
    target = tmp_path / "state.json"
    lock_file = tmp_path / "state.json.lock"
    for before in ("pid 1 (" + "a long command line " * 20 + ")", "", "pid 2"):
        lock_file.write_text(before)
        with FileLock(target, what="the test file"):
            held = lock_file.read_text()
        assert held == f"pid {os.getpid()} ({_command()})"


def test_a_lock_held_too_long_is_refused_clearly(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    child = _holder(target, 30)
    try:
        with (
            pytest.raises(LockTimeoutError, match=rf"still locked by pid {child.pid}"),
            FileLock(target, what="the test file", timeout=0.3, notify=lambda _: None),
        ):
            pass
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    child = _holder(target, 30)
    child.kill()  # SIGKILL: the kernel drops the flock with the process
    child.wait()
    with FileLock(target, what="the test file", timeout=2, notify=lambda _: None):
        pass


GENERATE = textwrap.dedent(
    """
    import sys
    from deployer.config import load_config
    from deployer.sources import Environment, find_secrets
    config = load_config(sys.argv[1])
    found = find_secrets(config, config.tenant("local"), Environment(config.root, environ={}))
    print(found["TERMS_TOKEN_SECRET"].value.reveal())
    """
)


def test_processes_generating_local_secrets_at_once_agree_on_one_value(tmp_path: Path) -> None:
    root = _project(tmp_path)
    config = str(root / "tenants-2026-11-01.yaml")
    children = [
        subprocess.Popen(
            [sys.executable, "-c", GENERATE, config], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    values = {c.communicate(timeout=60)[0].strip() for c in children}
    assert len(values) == 1 and len(values.pop()) >= 32


def test_secrets_already_generated_are_read_without_queueing_for_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only generating writes: a plan whose values are all there does not wait for a process
    that holds the store's lock; one with a value still to generate does."""
    from deployer import locks, sources
    from deployer.config import load_config

    config = load_config(_project(tmp_path) / "tenants-2026-11-01.yaml")
    tenant, env = config.tenant("local"), sources.Environment(config.root, environ={})
    generated = sources.find_secrets(config, tenant, env)
    store = sources.tenant_dir(config, "local") / "secrets.json"
    monkeypatch.setattr(sources, "locked", functools.partial(locks.locked, timeout=0.2))
    with FileLock(store, what="the generated secrets", notify=lambda _: None):
        again = sources.find_secrets(config, tenant, env)
        assert again == generated
        store.write_text("{}")  # as if never generated
        with pytest.raises(LockTimeoutError):
            sources.find_secrets(config, tenant, env)


def test_a_long_running_emulator_takes_in_what_another_writer_saved(tmp_path: Path) -> None:
    """The demo's emulator and a deploy from another process: neither undoes the other."""
    from deployer.emulator import Emulator

    state = tmp_path / "emulator.json"
    demo = Emulator(state_path=state)
    demo.seed_action("Seen by the demo")
    Emulator(state_path=state).seed_action("Deployed meanwhile")  # another writer
    demo.seed_action("Demo again")  # the demo's next save
    names = sorted(a.name for a in Emulator(state_path=state).state.actions.values())
    assert names == ["Demo again", "Deployed meanwhile", "Seen by the demo"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"format": 1, "signing_key": "k", "actions": [{"id": ', "truncated"),
        (b"[1, 2, 3]", "not an emulator state file"),
        (b'{"format": 1, "actions": [{"name": 3}]}', "not an emulator state file"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"<html>not json</html>", "not JSON"),
    ],
)
def test_a_broken_state_file_is_named_not_a_traceback(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    root = _project(tmp_path)
    state = root / ".deployer" / "local" / "emulator.json"
    state.parent.mkdir(parents=True)
    state.write_bytes(content)
    result = subprocess.run(
        [*CLI, "-c", "tenants-2026-11-01.yaml", "plan"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, result
    assert "Traceback" not in output
    assert ".deployer/local/emulator.json" in output and reason in output
    assert state.read_bytes() == content  # nothing overwritten


def test_emulator_serve_refuses_a_corrupted_state(tmp_path: Path) -> None:
    state = tmp_path / "emulator.json"
    state.write_text('{"format": 1, "sig')
    result = subprocess.run(
        [*CLI, "emulator", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr and "truncated" in result.stderr
    assert "listening" not in result.stdout
