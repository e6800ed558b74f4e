"""Secret and credential values: read from where the config says, never kept in the config.

Values come back wrapped in `Secret` (deployer/secret.py), which never shows itself.
"""

from __future__ import annotations

import io
import json
import math
import os
import secrets as random
import stat
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import Config, SecretRef, TenantConfig
from .errors import ConfigError, Problem
from .header import MAX_SECRET_LENGTH, MIN_SECRET_LENGTH
from .locks import locked
from .manifest import SecretSpec
from .secret import Secret

LOCAL_DIR = ".deployer"
GENERATED_BYTES = 32


# A value's strength, estimated from the value alone, by two documented rules that only catch
# the obviously weak (they cannot see that a value is a dictionary word or was leaked):
# - its empirical Shannon entropy per character (-sum p*log2 p over the frequencies of its
#   characters) times its length, at least 64 bits: 32 x 'a' scores 0, a generated value about
#   200; random values of the minimum length score well above (32 random digits at least ~78,
#   32 random hex digits ~90, in 100 000 draws each);
# - it is not one short part repeated ("password" x 4, "0123456789" x 4), which the entropy
#   per character cannot see.
MIN_SECRET_BITS = 64


def estimated_bits(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return max(0.0, -sum(c * math.log2(c / n) for c in counts.values())) if n else 0.0


def _repeats(value: str) -> bool:
    """Whether `value` is its first p characters repeated (the last repeat cut short), for some
    p up to half its length. That is: `value` has period p, i.e. it starts with value[p:]; and
    value[p] is then value[0], so only those p are tried (few in a random value)."""
    half = len(value) // 2
    p = value.find(value[:1], 1) if value else -1
    while 0 < p <= half:
        if value.startswith(value[p:]):
            return True
        p = value.find(value[0], p + 1)
    return False


def secret_weakness(value: str) -> str | None:
    """Why `value` is not fit as a secret (never quoting it), or None."""
    if len(value) < MIN_SECRET_LENGTH:
        return f"is too short ({len(value)} characters; at least {MIN_SECRET_LENGTH})"
    if len(value) > MAX_SECRET_LENGTH:
        return f"is too long ({len(value)} characters; Auth0 takes at most {MAX_SECRET_LENGTH})"
    bits = estimated_bits(value)
    if bits < MIN_SECRET_BITS:
        return (
            f"is too predictable (about {bits:.0f} bits by the spread of its characters; "
            f"at least {MIN_SECRET_BITS})"
        )
    if _repeats(value):
        return "is too predictable (one short part repeated)"
    return None


def generate_secret() -> str:
    """A value fit for the Action's secrets: 32 random bytes, URL-safe (43 characters)."""
    return random.token_urlsafe(GENERATED_BYTES)


def read_dotenv(path: Path) -> dict[str, str]:
    """A .env file as python-dotenv reads it (quotes, `export`, inline `# comments`).

    A hand-rolled parser kept `value # note` whole, so a comment became part of a secret and
    passed every check; dotenv's rules are the ones users expect from other tools.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read .env: {exc.strerror}", file=str(path))]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        line = next(
            n for n, chunk in enumerate(raw.split(b"\n"), 1) if not _utf8(chunk)
        )  # the first line that does not decode
        raise ConfigError(
            [Problem("not UTF-8 text: save the file as UTF-8", file=str(path), line=line)]
        ) from None
    from dotenv import dotenv_values  # only when a .env exists

    values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    return {key: value for key, value in values.items() if value is not None}


def _utf8(chunk: bytes) -> bool:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Environment:
    """The process environment over an optional git-ignored .env beside tenants.yaml."""

    def __init__(self, root: Path, environ: Mapping[str, str] | None = None) -> None:
        self.root = root
        self._values = {
            **read_dotenv(root / ".env"),
            **(environ if environ is not None else os.environ),
        }

    def get(self, name: str) -> str | None:
        value = self._values.get(name)
        return value if value else None

    def lookup(self, ref: SecretRef) -> str | None:
        if ref.env is not None:
            return self.get(ref.env)
        path = self.root / str(ref.file)
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(
                [Problem(f"cannot read secret file: {reason}", file=str(path))]
            ) from None


class LocalSecretStore:
    """Generated secrets for emulated tenants, kept in .deployer/<tenant>/secrets.json (0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, json.JSONDecodeError) as exc:
            # Silently starting afresh would deploy new secrets and lock every user out of
            # their acceptance records; a person must decide.
            raise ConfigError(
                [
                    Problem(
                        f"cannot read the generated secrets ({exc}); fix or delete the file",
                        file=str(self.path),
                    )
                ]
            ) from None
        if not isinstance(data, dict):
            raise ConfigError(
                [Problem("the generated secrets file is not a JSON object", file=str(self.path))]
            )
        return {str(k): str(v) for k, v in data.items()}

    def save(self, values: Mapping[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(dict(sorted(values.items())), handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


def tenant_dir(config: Config, tenant: str) -> Path:
    return config.root / LOCAL_DIR / tenant


@dataclass(frozen=True)
class ResolvedSecrets:
    """The secret values a tenant will deploy, and the problems that stop it from deploying."""

    values: Mapping[str, Secret]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Found:
    """Where a secret's value comes from (None: no source at all) and the value, if set."""

    source: str | None
    value: Secret | None


def find_secrets(
    config: Config, tenant: TenantConfig, env: Environment, *, generate: bool = True
) -> dict[str, Found]:
    """Every declared secret's source and value here, unchecked.

    For emulated tenants a required secret with no source in the config is generated once
    and kept in the tenant's git-ignored folder, so a fresh checkout deploys with no setup.
    An unset variable that the config does name is a mistake to report, not to paper over.
    """
    store = LocalSecretStore(tenant_dir(config, tenant.name) / "secrets.json")
    if not tenant.is_emulated:
        return _find(config, tenant, env, store, {}, False)
    # Read without the lock first: the file is only ever replaced whole (save) and a value,
    # once stored, never changes, so when nothing is left to generate this is what a locked
    # read would give, without the lock's file writes (for every tenant of every plan).
    stored = store.load()
    if not (generate and _to_generate(config, tenant, stored)):
        return _find(config, tenant, env, store, stored, False)
    # Load, generate what is missing, save: under the store's lock, so two processes starting
    # at once agree on one value instead of each deploying its own.
    with locked(store.path, what="the generated secrets"):
        return _find(config, tenant, env, store, store.load(), True)


def _generated(tenant: TenantConfig, spec: SecretSpec) -> bool:
    """Whether the secret's value is generated here: required, for an emulated tenant, and
    given no source in the config."""
    return tenant.is_emulated and spec.required and spec.name not in tenant.secrets


def _to_generate(config: Config, tenant: TenantConfig, stored: Mapping[str, str]) -> bool:
    """Whether a generated secret has no stored value yet."""
    return any(
        _generated(tenant, spec) and spec.name not in stored for spec in config.manifest.secrets
    )


def _find(
    config: Config,
    tenant: TenantConfig,
    env: Environment,
    store: LocalSecretStore,
    stored: dict[str, str],
    generate: bool,
) -> dict[str, Found]:
    found: dict[str, Found] = {}
    changed = False
    for spec in config.manifest.secrets:
        ref = tenant.secrets.get(spec.name)
        if ref is not None:
            source: str | None = ref.describe()
            value = env.lookup(ref)
        elif _generated(tenant, spec):
            source = f"generated ({store.path.relative_to(config.root)})"
            value = stored.get(spec.name)
            if value is None and generate:
                value = stored[spec.name] = generate_secret()
                changed = True
        else:
            source, value = None, None
        found[spec.name] = Found(source, Secret(value, source or "") if value else None)
    if changed:
        store.save(stored)
    return found


def resolve_secrets(
    config: Config, tenant: TenantConfig, env: Environment, *, generate: bool = True
) -> ResolvedSecrets:
    """Every secret value for `tenant`, checked for presence and length."""
    values: dict[str, Secret] = {}
    problems: list[Problem] = []
    found = find_secrets(config, tenant, env, generate=generate)
    for spec in config.manifest.secrets:
        source, value = found[spec.name].source, found[spec.name].value
        field = f"tenants.{tenant.name}.secrets.{spec.name}"
        if value is None:
            if spec.required:
                where = source or "nowhere (no source in tenants.yaml)"
                problems.append(
                    Problem(f"secret {spec.name} is not set: it comes from {where}", field=field)
                )
        elif (why := secret_weakness(value.reveal())) is not None:
            problems.append(
                Problem(
                    f"secret {spec.name} from {source} {why}: make one with "
                    "`deployer secrets generate`",
                    field=field,
                )
            )
        else:
            values[spec.name] = value
    return ResolvedSecrets(values=values, problems=tuple(problems))


def missing_values(
    config: Config, tenant: TenantConfig, env: Environment, *, generate: bool = True
) -> tuple[dict[str, Secret], list[Problem]]:
    """The tenant's secret values, and every credential or secret that is not set here."""
    resolved = resolve_secrets(config, tenant, env, generate=generate)
    problems = list(resolved.problems)
    from .credentials import credential_problems  # credentials.py builds on this module

    return dict(resolved.values), credential_problems(tenant, env) + problems
