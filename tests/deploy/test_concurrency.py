"""Two pipelines deploying one tenant at once: one wins, the other stops clearly; never a mix."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from pathlib import Path

import pytest
from support.project import Project

import deployer.apply
from deployer.header import without_provenance
from deployer.plan import Plan
from deployer.state import DesiredAction
from deployer.workflow import Outcome, deploy_tenant, guarded, plan_tenant

NAME = "Accept Terms"


def twin(project: Project, tmp_path: Path) -> Project:
    """A second checkout of the same repository, deploying to the same tenant."""
    root = tmp_path / "other-checkout"
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns(".deployer"))
    return Project(root=root, environ=dict(project.environ), emulators=project.emulators)


def test_concurrent_applies_give_one_success_and_one_refusal(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert deploy_tenant(project.context(), "dev").error is None
    other = twin(project, tmp_path)
    project.template.write_text(project.template.read_text() + "\n// change A\n")
    other.template.write_text(other.template.read_text() + "\n// change B\n")

    # Both pipelines have planned before either writes: the worst interleaving.
    both_planned = threading.Barrier(2, timeout=10)
    original = deployer.apply._check_unchanged

    def after_both_planned(*args: object, **kwargs: object) -> None:
        both_planned.wait()
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(deployer.apply, "_check_unchanged", after_both_planned)
    outcomes: dict[str, Outcome] = {}

    def run(name: str, who: Project) -> None:
        outcomes[name] = guarded("dev", lambda: deploy_tenant(who.context(), "dev"))

    threads = [
        threading.Thread(target=run, args=("A", project)),
        threading.Thread(target=run, args=("B", other)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    succeeded = [k for k, o in outcomes.items() if o.error is None]
    refused = [k for k, o in outcomes.items() if o.error is not None]
    assert len(succeeded) == 1 and len(refused) == 1, outcomes
    assert (
        "someone else" in outcomes[refused[0]].error
        or "changed since" in outcomes[refused[0]].error
    )  # type: ignore[operator]
    winner = project if succeeded == ["A"] else other
    live = project.emulator("dev").state.find_by_name(NAME)
    assert live is not None
    marker = "// change A" if succeeded == ["A"] else "// change B"
    loser_marker = "// change B" if succeeded == ["A"] else "// change A"
    assert marker in live.code and loser_marker not in live.code
    # The winner's checkout sees nothing left to do; the loser's sees the winner's code to undo.
    assert plan_tenant(winner.context(), "dev").plan.empty  # type: ignore[union-attr]
    assert without_provenance(live.code).endswith(marker + "\n")


def test_a_plan_confirmed_a_while_after_its_read_is_read_again_before_writing(
    project: Project,
) -> None:
    assert deploy_tenant(project.context(), "dev").error is None
    project.template.write_text(project.template.read_text() + "\n// ours\n")
    ctx = project.context()
    # As if the person at the prompt took longer than `fresh` to say yes.
    waits = dataclasses.replace(ctx.options.waits, fresh=0.0)
    ctx = dataclasses.replace(ctx, options=dataclasses.replace(ctx.options, waits=waits))
    live = project.emulator("dev").state.find_by_name(NAME)
    assert live is not None

    def someone_edits_the_draft_meanwhile(_plan: Plan, _desired: DesiredAction) -> bool:
        live.code += "\n// edited in the Dashboard\n"
        live.updated_at += 1
        return True

    outcome = guarded("dev", lambda: deploy_tenant(ctx, "dev", someone_edits_the_draft_meanwhile))
    assert outcome.error is not None and "changed since this plan was made" in outcome.error
    assert "// edited in the Dashboard" in live.code and "// ours" not in live.code
