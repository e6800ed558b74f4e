"""The desired state of one tenant: the rendered code, its header and the secrets' fingerprints."""

from __future__ import annotations

from collections.abc import Mapping

from .config import Config, TenantConfig
from .errors import RenderError
from .header import MAX_CODE_BYTES, Header, fingerprint
from .render import check_syntax, render_action
from .secret import Secret
from .state import Dependency, DesiredAction


def fingerprints(
    config: Config, tenant: TenantConfig, secrets: Mapping[str, Secret]
) -> dict[str, str]:
    name = config.manifest.name
    return {
        secret: fingerprint(value.reveal(), tenant=tenant.name, action=name, name=secret)
        for secret, value in sorted(secrets.items())
    }


def desired_action(
    config: Config,
    tenant: TenantConfig,
    secrets: Mapping[str, Secret],
    *,
    commit: str | None = None,
    dirty: bool = False,
    check: bool = False,
    unchecked: tuple[str, ...] = (),
) -> DesiredAction:
    """`check` runs `node --check` (about 0.1 s); apply always checks before it writes code."""
    manifest = config.manifest
    prints = fingerprints(config, tenant, secrets)
    header = Header(
        tenant=tenant.name, action=manifest.name, fingerprints=prints, commit=commit, dirty=dirty
    )
    code = render_action(manifest, tenant.action, header)
    size = len(code.encode())
    if size > MAX_CODE_BYTES:
        raise RenderError(
            f"{tenant.name}: the rendered Action is {size} bytes; Auth0 accepts at most "
            f"{MAX_CODE_BYTES} (100 kB): shorten the parameters or the template"
        )
    if check:
        check_syntax(code, name=tenant.name)
    return DesiredAction(
        tenant=tenant.name,
        name=manifest.name,
        trigger_id=manifest.trigger.id,
        trigger_version=manifest.trigger.version,
        code=code,
        runtime=manifest.runtime,
        dependencies=tuple(Dependency(d.name, d.version) for d in manifest.dependencies),
        secrets=prints,
        binding=tenant.binding,
        display_name=manifest.name,
        unchecked_secrets=unchecked,
    )
