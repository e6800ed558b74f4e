"""docs/secret-rotation.md, step by step against the emulator: each plan says what the doc says."""

from __future__ import annotations

import re
import textwrap

from support.project import REPO
from support.secrets_command import SECRET_VALUES, Runner, rows

DOC = REPO / "docs" / "secret-rotation.md"


def documented_plans() -> list[str]:
    """The plan outputs the doc shows, in order (its tenant is prod, the test's is dev)."""
    blocks = re.findall(r"```console\n(.*?)```", DOC.read_text(), flags=re.S)
    plans = []
    for block in map(textwrap.dedent, blocks):
        if block.startswith("$ deployer plan"):
            shown = block.split("\n", 1)[1].split("$ deployer deploy")[0]
            plans.append(shown.replace("Tenant prod", "Tenant dev"))
    return plans


def test_rotate_terms_token_secret(run: Runner, project) -> None:
    old = SECRET_VALUES["DEV_TOKEN_SECRET"]
    del project.environ["DEV_PREVIOUS"]  # before a rotation, no previous secret is set
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    before = run("secrets", "-t", "dev")
    assert before.exit_code == 0, before.output
    assert rows(before)["TERMS_TOKEN_SECRET_PREVIOUS"][-1] == "not set"

    # 1. A new value.
    new = run("secrets", "generate").stdout.strip()
    assert len(new) >= 43 and new != old

    # 2. The old value becomes the previous one; the new one signs from now on.
    project.environ.update(DEV_PREVIOUS=old, DEV_TOKEN_SECRET=new)
    pending = run("secrets", "-t", "dev")
    assert pending.exit_code == 2
    assert rows(pending)["TERMS_TOKEN_SECRET"][-1] == "differs"
    assert rows(pending)["TERMS_TOKEN_SECRET_PREVIOUS"][-1] == "not deployed"
    plan = run("plan", "-t", "dev")
    assert plan.stdout.strip() == documented_plans()[0].strip()
    assert "~ secret TERMS_TOKEN_SECRET (value changed)" in plan.stdout
    assert "+ secret TERMS_TOKEN_SECRET_PREVIOUS" in plan.stdout
    assert "TERMS_RECORD_KEY" not in plan.stdout  # the record key is not part of this rotation
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    during = run("secrets", "-t", "dev")
    assert during.exit_code == 0, during.output
    assert {r[-1] for r in rows(during).values()} == {"in sync"}

    # 3. After token_ttl_seconds (+ margin), retire the previous value.
    del project.environ["DEV_PREVIOUS"]
    retiring = run("secrets", "-t", "dev")
    assert retiring.exit_code == 2
    assert rows(retiring)["TERMS_TOKEN_SECRET_PREVIOUS"][-1] == "to be removed"
    plan = run("plan", "-t", "dev")
    assert plan.stdout.strip() == documented_plans()[1].strip()
    assert "- secret TERMS_TOKEN_SECRET_PREVIOUS" in plan.stdout
    assert "(value changed)" not in plan.stdout
    assert "Plan: 0 to add, 2 to change, 1 to destroy." in plan.stdout
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    after = run("secrets", "-t", "dev")
    assert after.exit_code == 0, after.output
    assert rows(after)["TERMS_TOKEN_SECRET"][-1] == "in sync"
    assert rows(after)["TERMS_TOKEN_SECRET_PREVIOUS"][-2:] == ["absent", "not set"]
