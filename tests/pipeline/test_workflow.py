"""The shipped workflow, run as GitHub would run it, against emulated stages.

examples/github/auth0-terms.yml is read and its jobs executed in `needs:` order with no
terminal, each in a fresh clone, the secrets of its environment only, artifacts passed between
jobs as files, and the venv's `deployer` on PATH; the tenants are examples/pipeline.yaml's
emulated dev, staging and prod (their state shared under tmp_path, like real tenants).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.actions_runner import (
    Run,
    Runner,
    console_scripts,
    load_workflow,
    pip_shim,
)
from support.project import REPO

from deployer.emulator import Emulator

WORKFLOW = REPO / "examples" / "github" / "auth0-terms.yml"
STAGES = ("dev", "staging", "prod")
NAME = "Accept Terms"


def action_secrets() -> dict[str, dict[str, str]]:
    """Each stage's Action secrets, as its GitHub environment holds them (fake, long enough)."""
    return {
        stage: {
            f"{stage.upper()}_TERMS_TOKEN_SECRET": f"{stage}-token-secret-VALUE-0123456789abcdefgh",
            f"{stage.upper()}_TERMS_RECORD_KEY": f"{stage}-record-key-VALUE-0123456789abcdefghij",
        }
        for stage in STAGES
    }


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """The repository a runner clones: the Action, the example stages and the workflow."""
    repo = tmp_path / "origin"
    shutil.copytree(REPO / "actions" / "accept-terms", repo / "actions" / "accept-terms")
    (repo / "examples" / "github").mkdir(parents=True)
    shutil.copy2(REPO / "examples" / "pipeline.yaml", repo / "examples" / "pipeline.yaml")
    shutil.copy2(WORKFLOW, repo / "examples" / "github" / "auth0-terms.yml")
    shutil.copy2(REPO / ".gitignore", repo / ".gitignore")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the change under review")
    return repo


def make_runner(
    tmp_path: Path,
    origin: Path,
    secrets: dict[str, dict[str, str]],
    workflow: dict[str, Any] | None = None,
) -> Runner:
    state = tmp_path / "tenants"  # the emulated tenants outlive every job, like real ones
    state.mkdir(exist_ok=True)

    def checkout(dest: Path) -> None:
        shutil.rmtree(dest, ignore_errors=True)
        git(tmp_path, "clone", "-q", str(origin), str(dest))
        (dest / "examples" / ".deployer").symlink_to(state, target_is_directory=True)

    return Runner(
        workflow=workflow or load_workflow(WORKFLOW),
        checkout=checkout,
        work=tmp_path / "run",
        bin_dirs=[pip_shim(tmp_path / "shim"), console_scripts()],
        secrets=secrets,
        variables={"DEPLOYER_CONFIG": "examples/pipeline.yaml"},
    )


def tenant(tmp_path: Path, stage: str) -> Emulator:
    return Emulator(state_path=tmp_path / "tenants" / stage / "emulator.json")


def assert_pull_request(run: Run) -> None:
    plan = run.jobs["plan"]
    assert plan.status == "success", run.failed()
    assert {name: job.status for name, job in run.jobs.items() if name != "plan"} == {
        name: "skipped" for name in run.jobs if name != "plan"
    }
    summary = plan.summary
    assert summary.startswith("## Auth0 accept-terms plan"), summary
    for stage in STAGES:
        assert (
            f"| `{stage}` | Plan: 2 to add, 1 to change, 0 to destroy. (secrets not checked) |"
            in (summary)
        ), summary
    assert "secrets not checked (no value here): TERMS_RECORD_KEY, TERMS_TOKEN_SECRET" in summary


def assert_merged(run: Run, tmp_path: Path, origin: Path) -> None:
    assert [(n, j.status) for n, j in run.jobs.items()] == [
        ("plan", "skipped"),
        ("dev", "success"),
        ("plan-staging", "success"),
        ("staging", "success"),
        ("plan-prod", "success"),
        ("prod", "success"),
    ], run.failed()
    head = git(origin, "rev-parse", "HEAD")
    for stage in STAGES:
        emu = tenant(tmp_path, stage)
        action = emu.state.find_by_name(NAME)
        assert action is not None, stage
        assert [emu.state.actions[b.action_id].name for b in emu.state.bindings["post-login"]] == [
            NAME
        ]
        # Provenance: the commit, and no "(dirty tree)" although plan files sat in the clone.
        assert f'"commit":"{head}"' in (action.code or "") and '"dirty"' not in (action.code or "")
    # Staging and prod applied the plans their reviewers saw in the summary.
    assert (
        "| `staging` | Plan: 2 to add, 1 to change, 0 to destroy."
        in run.jobs["plan-staging"].summary
    )
    assert "| `prod` | Plan: 2 to add, 1 to change, 0 to destroy." in run.jobs["plan-prod"].summary
    for job in ("staging", "prod"):
        steps = run.jobs[job].steps
        assert "runs this commit's Action" in steps[-1].stderr, steps[-1].stderr
    saved = json.loads(
        (tmp_path / "run" / "artifacts" / "prod-plan" / "prod.plan.json").read_text()
    )
    assert saved["source"] == {"commit": head, "dirty": False}


def test_a_pull_request_plans_every_stage_without_any_action_secret(
    tmp_path: Path, origin: Path
) -> None:
    # Even with every Action secret stored as a repository secret (reachable from any job),
    # the pull request's job must not ask for one.
    everything = {k: v for values in action_secrets().values() for k, v in values.items()}
    run = make_runner(tmp_path, origin, {"": everything}).run("pull_request", "refs/pull/7/merge")
    assert_pull_request(run)
    assert run.jobs["plan"].secrets_read == set()
    for value in everything.values():
        assert value not in run.jobs["plan"].summary
    for stage in STAGES:  # planned, not deployed
        assert tenant(tmp_path, stage).state.actions == {}


def test_a_merge_deploys_dev_then_promotes_the_reviewed_plans(tmp_path: Path, origin: Path) -> None:
    run = make_runner(tmp_path, origin, action_secrets()).run("push")
    assert_merged(run, tmp_path, origin)
    for name, job in run.jobs.items():
        outputs = job.summary + "".join(s.stdout + s.stderr for s in job.steps)
        for values in action_secrets().values():
            for value in values.values():
                assert value not in outputs, name


def mutate(old: str, new: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(workflow: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(workflow)
        assert old in text, old
        return json.loads(text.replace(old, new, 1))

    return change


@pytest.mark.parametrize(
    "old,new",
    [
        ("deployer plan -t dev", "deployr plan -t dev"),  # command not found: 127
        ("--detailed-exitcode", "--detailed-exit-code"),  # a usage error: 1, not 2
        ("-t staging -t prod --output markdown", "-t staging -t prd --output markdown"),
        ("--output markdown --detailed", "--output markdwn --detailed"),
    ],
)
def test_a_typo_in_the_pull_request_job_fails_the_run(
    tmp_path: Path, origin: Path, old: str, new: str
) -> None:
    workflow = mutate(old, new)(load_workflow(WORKFLOW))
    run = make_runner(tmp_path, origin, {}, workflow).run("pull_request")
    assert run.jobs["plan"].status == "failure"
    with pytest.raises(AssertionError):
        assert_pull_request(run)


def test_a_typo_in_a_promotion_fails_the_run(tmp_path: Path, origin: Path) -> None:
    workflow = mutate("--plan plans/prod.plan.json", "--plan plans/prod.plan.jsn")(
        load_workflow(WORKFLOW)
    )
    run = make_runner(tmp_path, origin, action_secrets(), workflow).run("push")
    assert run.jobs["prod"].status == "failure"
    assert "plan file not found" in run.jobs["prod"].steps[-1].stderr
    with pytest.raises(AssertionError):
        assert_merged(run, tmp_path, origin)
    assert tenant(tmp_path, "prod").state.actions == {}
