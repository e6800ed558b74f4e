"""Rendering the accept-terms Action: deterministic, strict, and inert to hostile values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.action import ACTION_DIR, REPO, Harness, Secrets, write_tenants

from deployer.config import load_config
from deployer.errors import RenderError
from deployer.header import Header
from deployer.manifest import load_manifest
from deployer.params import ActionParams, AppliesTo, Claims, Terms
from deployer.render import check_syntax, render_action

# Each would end a string, a comment, a template literal or a script if pasted into the code.
HOSTILE_URL = "https://terms.example.com/a'b\"c`d${process.exit(1)}</script><!--\n\u2028e*/f"
HOSTILE_NAMESPACE = "https://example.com/x'\"`${1}</script>\n\\/"
HOSTILE_CLIENT = "'];process.exit(1);//\"`</script>"


def test_rendering_is_deterministic() -> None:
    renders = []
    for _ in range(2):
        config = load_config(REPO / "tenants.yaml")
        for name, tenant in sorted(config.tenants.items()):
            header = Header(tenant=name, action=config.manifest.name)
            renders.append(render_action(config.manifest, tenant.action, header))
    half = len(renders) // 2
    assert renders[:half] == renders[half:]
    assert len(set(renders[:half])) == half, "each tenant gets its own code"


def test_rendered_prod_action_is_valid_and_small(prod_action: tuple[str, ActionParams]) -> None:
    code, params = prod_action
    check_syntax(code, name="prod")
    assert len(code.encode()) < 20_000, "far below Auth0's 100 kB"
    assert "require('crypto')" in code
    assert params.terms.url in code


def test_missing_template_variable_names_the_tenant(tmp_path: Path) -> None:
    action_dir = tmp_path / "broken-action"
    action_dir.mkdir()
    shutil.copy(ACTION_DIR / "action.yaml", action_dir / "action.yaml")
    (action_dir / "action.js.j2").write_text(
        "const A = {{ params.terms.version | js }};\nconst B = {{ params.terms.nope | js }};\n",
        encoding="utf-8",
    )
    config = load_config(write_tenants(tmp_path, {}, action_dir=action_dir))
    with pytest.raises(RenderError) as caught:
        render_action(config.manifest, config.tenants["test"].action, Header("test", "x"))
    message = str(caught.value)
    assert "tenant test" in message
    assert "nope" in message
    assert "action.js.j2:2" in message


def _hostile_params() -> ActionParams:
    # model_construct skips validation: these values would be refused in tenants.yaml, which is
    # exactly why the template must not depend on that validation for its safety.
    return ActionParams.model_construct(
        terms=Terms.model_construct(url=HOSTILE_URL, version="2026-11-01"),
        claims=Claims.model_construct(
            namespace=HOSTILE_NAMESPACE, id_token=True, access_token=False
        ),
        applies_to=AppliesTo.model_construct(clients=(), exclude_clients=(HOSTILE_CLIENT,)),
    )


def test_hostile_values_do_not_change_the_program(keys: Secrets) -> None:
    params = _hostile_params()
    manifest = load_manifest(ACTION_DIR)
    code = render_action(manifest, params, Header(tenant="hostile", action=manifest.name))
    check_syntax(code, name="hostile")
    assert "</script>" not in code and "\u2028" not in code

    configured = {"TERMS_TOKEN_SECRET": keys.token, "TERMS_RECORD_KEY": keys.record}
    h = Harness(code=code, params=params, keys=keys, configured=configured)
    user = h.user()

    first = h.execute(h.event(user))
    assert first.ok, first.error
    assert first.redirect is not None
    assert first.redirect.url == HOSTILE_URL, "the URL round-trips byte for byte"

    state = str(first.redirect.query["state"])
    done = h.resume(h.event(user), state=state, token=h.answer(first))
    assert done.passed, done
    assert set(done.id_token_claims) == {
        HOSTILE_NAMESPACE + "terms_version",
        HOSTILE_NAMESPACE + "terms_accepted_at",
    }
    assert done.user_metadata["terms"]["version"] == "2026-11-01"

    excluded = h.execute(h.event(user, client_id=HOSTILE_CLIENT))
    assert excluded.passed and excluded.id_token_claims == {}, "the client id matched exactly"


def test_a_terms_version_bump_changes_one_line() -> None:
    config = load_config(REPO / "tenants.yaml")
    tenant = config.tenants["local"]
    bumped = tenant.action.model_copy(
        update={"terms": tenant.action.terms.model_copy(update={"version": "2099-01-01"})}
    )
    header = Header(tenant="local", action=config.manifest.name)
    before = render_action(config.manifest, tenant.action, header).splitlines()
    after = render_action(config.manifest, bumped, header).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (f'    "version": "{tenant.action.terms.version}"', '    "version": "2099-01-01"')
    ]
