"""One view model: the text and Markdown plans are renderings of the --output json document."""

from __future__ import annotations

import json
import re

from support.project import FAST, REPO, Project

from deployer import output
from deployer.emulator import Emulator


def views(run, *args: str) -> tuple[dict, str, str]:  # type: ignore[no-untyped-def,type-arg]
    return (
        json.loads(run(*args, "-o", "json").stdout),
        run(*args, "-o", "text").stdout,
        run(*args, "-o", "markdown").stdout,
    )


def test_text_and_markdown_are_renderings_of_the_json(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    state = project.root / ".deployer" / "dev" / "emulator.json"
    emu = Emulator(FAST, state_path=state, domain="dev.emulator")
    emu.seed_binding("post-login", emu.seed_action("Risk Check"))
    seen: set[str] = set()
    # A fresh tenant, an updated one, one missing a value (error), and a kill-switch plan.
    stages = [(), ("deploy", "--all", "--yes"), ("edit",), ("short",)]
    for stage in stages:
        if stage == ("edit",):
            project.template.write_text(project.template.read_text() + "\n// next\n")
        elif stage == ("short",):
            project.environ["DEV_RECORD_KEY"] = "too-short"
        elif stage:
            assert run(*stage).exit_code == 0
        document, text, markdown = views(run, "plan", "--all")
        assert output.text_of(document) == text
        assert output.markdown_of(document) == markdown
        seen |= {c["type"] for t in document["tenants"] for c in t["changes"]}
    assert document["tenants"][1]["status"] == "error" and "too short" in text
    killed = run("destroy", "-t", "dev", "-o", "json")  # no terminal: shows the plan only
    document = json.loads(killed.stdout)
    seen |= {c["type"] for t in document["tenants"] for c in t["changes"]}
    assert "- action 'Accept Terms' will be deleted" in output.text_of(document)
    documented = set(
        re.findall(r"^\| `(\w+_action)` \|", (REPO / "docs" / "plan-json.md").read_text(), re.M)
    )
    assert seen <= documented, seen - documented
    assert seen >= {"create_action", "update_action", "deploy_action", "bind_action"}
    assert seen >= {"unbind_action", "delete_action"}
