"""Requests and wall time of plan and deploy against in-process emulators with injected latency.

Run by hand (not in CI): `.venv/bin/python bench/bench.py`. See bench/README.md for what each
figure means. Exits 1 when a target is missed, 0 otherwise.
"""

from __future__ import annotations

import faulthandler
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx

from deployer.apply import Waits
from deployer.config import TenantConfig, load_config
from deployer.emulator import Emulator, EmulatorSettings, RequestLogEntry
from deployer.sources import Environment
from deployer.workflow import Context, Outcome, RunOptions, deploy_tenant, for_each, plan_tenant

REPO = Path(__file__).resolve().parents[1]
LATENCY = 0.1  # seconds per request, every scenario
REPEATS = 5  # plan scenarios are timed this many times; the fastest is reported (least noise)
DEADLINE_SECONDS = 110  # the whole run; past it the process dumps its stacks and exits

# Plans only read, so the setup deploy may build and settle quickly.
QUICK = EmulatorSettings(
    build_seconds=0.05, deploy_settle_seconds=0.05, rate_limit_burst=None, latency_seconds=LATENCY
)
# Close to Auth0: builds take a second or two, a deploy shows a moment after it is answered.
REALISTIC = EmulatorSettings(
    build_seconds=1.5, deploy_settle_seconds=0.75, rate_limit_burst=None, latency_seconds=LATENCY
)
# Auth0's free tier: a burst of 2 requests, refilled at 2 per second.
FREE_TIER = EmulatorSettings(
    build_seconds=1.5,
    deploy_settle_seconds=0.75,
    rate_limit_burst=2,
    rate_limit_per_second=2.0,
    latency_seconds=LATENCY,
)
# The CLI's polling cadence (Waits defaults), with timeouts that keep the run bounded.
WAITS = Waits(build_timeout=30, deploy_timeout=30, bind_timeout=30)

TARGET_PLAN_REQUESTS = 3
TARGET_FAN_OUT_RATIO = 2.0
TARGET_DEPLOY_REQUESTS = 10

ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ACTION_GET = "GET /api/v2/actions/actions/{id}"
ACTION_LIST = "GET /api/v2/actions/actions"


def fake_secret(tenant: str, name: str) -> str:
    """Fixed, obviously fake values, long enough to be fingerprinted."""
    return f"bench-{tenant}-{name}-0123456789abcdefghijklmnopqrstuvwxyz"


def tenants_yaml(names: Sequence[str]) -> str:
    lines = [
        "version: 1",
        "action: accept-terms",
        "defaults:",
        "  action:",
        '    terms: {url: "https://terms.example.com/accept", version: "2026-11-01"}',
        '    claims: {namespace: "https://example.com/"}',
        "tenants:",
    ]
    for name in names:
        lines += [f"  {name}:", "    emulator: embedded", "    secrets:"]
        for secret in ("TERMS_TOKEN_SECRET", "TERMS_TOKEN_SECRET_PREVIOUS", "TERMS_RECORD_KEY"):
            lines.append(f"      {secret}: {{env: {name.upper()}_{secret}}}")
    return "\n".join(lines) + "\n"


@dataclass
class Project:
    """tenants.yaml and a copy of the Action in a temp dir, one in-memory emulator per tenant."""

    root: Path
    tenants: tuple[str, ...]
    emulators: dict[str, Emulator] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path, tenants: Sequence[str], settings: EmulatorSettings) -> Project:
        shutil.copytree(REPO / "actions" / "accept-terms", root / "accept-terms")
        (root / "tenants.yaml").write_text(tenants_yaml(tenants))
        emulators = {n: Emulator(settings, domain=f"{n}.emulator") for n in tenants}
        return cls(root, tuple(tenants), emulators)

    @property
    def template(self) -> Path:
        return self.root / "accept-terms" / "action.js.j2"

    def transport(self, tenant: TenantConfig) -> httpx.BaseTransport:
        return self.emulators[tenant.name].transport()

    def context(self) -> Context:
        environ = {
            f"{n.upper()}_{s}": fake_secret(n, s)
            for n in self.tenants
            for s in ("TERMS_TOKEN_SECRET", "TERMS_TOKEN_SECRET_PREVIOUS", "TERMS_RECORD_KEY")
        }
        return Context(
            config=load_config(self.root / "tenants.yaml"),
            env=Environment(self.root, environ=environ),
            transports=self.transport,
            report=self.lines.append,
            options=RunOptions(waits=WAITS),
        )

    def clear_logs(self) -> None:
        for emulator in self.emulators.values():
            emulator.clear_log()

    def log(self) -> list[RequestLogEntry]:
        return [e for n in self.tenants for e in self.emulators[n].request_log]


def check(outcomes: Sequence[Outcome], *, applied: bool | None = None) -> None:
    """A benchmark of a broken run is worthless: stop on any error."""
    for outcome in outcomes:
        if outcome.error is not None:
            sys.exit(f"{outcome.tenant}: {outcome.error}")
        if applied is not None and outcome.applied != applied:
            sys.exit(f"{outcome.tenant}: expected applied={applied}, got {outcome.applied}")


def key(entry: RequestLogEntry) -> str:
    return f"{entry.method} {ID.sub('{id}', entry.path)}"


def table(rows: Counter[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("    " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  count")
    for row, count in rows.items():
        cells = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
        print(f"    {cells}  {count:>5}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- scenarios ----------------------------------------------------------------------------


def plan_scenario(root: Path, tenants: Sequence[str]) -> tuple[float, list[RequestLogEntry]]:
    """Deploy every tenant, then time REPEATS no-op plans of all of them, as `deployer plan`
    does it: one context (config loaded once), then for_each over the tenants."""
    project = Project.create(root, tenants, QUICK)
    check(for_each(tenants, partial(deploy_tenant, project.context())), applied=True)
    walls, log = [], []
    for _ in range(REPEATS):
        project.clear_logs()
        start = time.perf_counter()
        outcomes = for_each(tenants, partial(plan_tenant, project.context()))
        walls.append(time.perf_counter() - start)
        check(outcomes)
        for outcome in outcomes:
            if outcome.plan is None or not outcome.plan.empty:
                sys.exit(f"{outcome.tenant}: the plan after a deploy is not empty")
        log = project.log()
    return min(walls), log


def print_plan(title: str, wall: float, log: list[RequestLogEntry], tenants: int) -> None:
    print(f"\n{title}")
    table(Counter((key(e), str(e.status)) for e in log), ("request", "status"))
    print(f"    requests: {len(log)} ({len(log) / tenants:g} per tenant)")
    print(f"    wall time: {wall:.3f} s (fastest of {REPEATS})")


@dataclass
class DeployRun:
    wall: float
    phases: list[tuple[str, RequestLogEntry]]
    progress: list[str]

    def count(self, *, polling: bool) -> int:
        """Requests that were answered (a 429 is counted apart, in `throttled`)."""
        return sum(
            1 for phase, e in self.phases if is_polling(phase, e) == polling and e.status != 429
        )

    @property
    def throttled(self) -> int:
        return sum(1 for _, e in self.phases if e.status == 429)


def is_polling(phase: str, entry: RequestLogEntry) -> bool:
    """The build and deploy waits read the action by id; nothing else in apply does."""
    return phase == "apply" and key(entry) == ACTION_GET


def split_phases(log: list[RequestLogEntry]) -> list[tuple[str, RequestLogEntry]]:
    """plan: before the first write; re-read: from the last list of actions; apply: between."""
    writes = [i for i, e in enumerate(log) if e.method != "GET" and e.path != "/oauth/token"]
    lists = [i for i, e in enumerate(log) if key(e) == ACTION_LIST]
    first_write = writes[0] if writes else len(log)
    reread = lists[-1] if lists and lists[-1] > first_write else len(log)
    phases = []
    for i, entry in enumerate(log):
        phase = "plan" if i < first_write else "apply" if i < reread else "re-read"
        phases.append((phase, entry))
    return phases


def deploy_scenario(root: Path, settings: EmulatorSettings) -> DeployRun:
    """Deploy one tenant, change the template, time the deploy of the change."""
    project = Project.create(root, ["dev"], settings)
    check([deploy_tenant(project.context(), "dev")], applied=True)
    project.template.write_text(project.template.read_text() + "\n// a reviewed change\n")
    if settings.rate_limited:
        # Start from a full bucket, as a tenant nobody has called for a second would.
        time.sleep((settings.rate_limit_burst or 0) / settings.rate_limit_per_second)
    project.clear_logs()
    project.lines.clear()
    start = time.perf_counter()
    outcome = deploy_tenant(project.context(), "dev")
    wall = time.perf_counter() - start
    check([outcome], applied=True)
    return DeployRun(wall, split_phases(project.log()), list(project.lines))


def print_deploy(title: str, run: DeployRun) -> None:
    print(f"\n{title}")
    rows: Counter[tuple[str, ...]] = Counter(
        (phase, key(e), str(e.status), "yes" if is_polling(phase, e) else "")
        for phase, e in run.phases
    )
    table(rows, ("phase", "request", "status", "polling"))
    for line in run.progress:
        print(f"    | {line}")
    polling, besides = run.count(polling=True), run.count(polling=False)
    print(f"    requests: {polling + besides} ({polling} polling, {besides} besides polling)")
    if run.throttled:
        print(f"    answered 429 and retried: {run.throttled}")
    print(f"    wall time: {run.wall:.3f} s")


def main() -> int:
    faulthandler.dump_traceback_later(DEADLINE_SECONDS, exit=True)
    started = time.perf_counter()
    print(f"Latency {LATENCY * 1000:.0f} ms per request, in-process emulators (no sockets).")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, load average {load} (wall times depend on both).")
    results: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="deployer-bench-") as tmp:
        base = Path(tmp)
        one_wall, one_log = plan_scenario(base / "one", ["dev"])
        print_plan("1. No-op plan, one tenant", one_wall, one_log, 1)
        ok = len(one_log) <= TARGET_PLAN_REQUESTS
        results.append((f"no-op plan: {len(one_log)} requests <= {TARGET_PLAN_REQUESTS}", ok))

        names = [f"t{i:02d}" for i in range(1, 11)]
        ten_wall, ten_log = plan_scenario(base / "ten", names)
        print_plan("2. No-op plan, ten tenants concurrently (for_each)", ten_wall, ten_log, 10)
        ratio = ten_wall / one_wall
        print(f"    ten / one: {ratio:.2f}x")
        results.append(
            (
                f"ten tenants: {ratio:.2f}x the wall time of one <= {TARGET_FAN_OUT_RATIO:g}x",
                ratio <= TARGET_FAN_OUT_RATIO,
            )
        )

        run = deploy_scenario(base / "deploy", REALISTIC)
        print_deploy(
            f"3a. Deploy of a code change, one tenant (build {REALISTIC.build_seconds:g} s, "
            f"settle {REALISTIC.deploy_settle_seconds:g} s, no rate limit)",
            run,
        )
        besides = run.count(polling=False)
        results.append(
            (
                f"change deploy: {besides} requests besides polling <= {TARGET_DEPLOY_REQUESTS}",
                besides <= TARGET_DEPLOY_REQUESTS,
            )
        )

        limited = deploy_scenario(base / "limited", FREE_TIER)
        print_deploy(
            f"3b. The same under Auth0's free-tier rate limit (burst "
            f"{FREE_TIER.rate_limit_burst}, {FREE_TIER.rate_limit_per_second:g}/s)",
            limited,
        )
        print(f"    slower than without the limit by {limited.wall - run.wall:.3f} s")

    print("\nTargets")
    for text, ok in results:
        print(f"  {verdict(ok)}  {text}")
    print(f"\nWhole run (setup deploys included): {time.perf_counter() - started:.1f} s")
    faulthandler.cancel_dump_traceback_later()
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
