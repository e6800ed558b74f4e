"""Wall time, requests and memory of plan and deploy against in-process emulators, each figure
beside its floor, for 1, 10 and 100 tenants at 0 and 100 ms of latency; and start-up time.

Run by hand (not in CI): `.venv/bin/python bench/bench.py` (about three minutes; `--quick`
skips the 100-tenant cases). See bench/README.md for what each figure and floor means. Exits 1
when a target is missed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from deployer.apply import Waits
from deployer.config import TenantConfig, load_config
from deployer.emulator import Emulator, EmulatorSettings, RequestLogEntry
from deployer.render import check_syntax
from deployer.sources import Environment
from deployer.workflow import Context, Outcome, RunOptions, deploy_tenant, for_each, plan_tenant
from deployer.workflow import prepare as prepare_tenant

REPO = Path(__file__).resolve().parents[1]
CASE_DEADLINE = 240  # seconds for one case (a child process); past it, a stack dump and exit
SECRETS = ("TERMS_TOKEN_SECRET", "TERMS_TOKEN_SECRET_PREVIOUS", "TERMS_RECORD_KEY")

# Close to Auth0's free tier, as the emulator is by default: 2 s builds, a deploy visible 1 s
# after it is answered, a bucket of 2 requests refilled at 2 per second.
BUILD, SETTLE, BURST, RATE = 2.0, 1.0, 2, 2.0
WAITS = Waits(build_timeout=60, deploy_timeout=60, bind_timeout=60)  # the CLI's cadence

TARGET_DEPLOY_FLOOR = 1.10  # a change deploy within 10% of its floor
TARGET_PLAN_FAN_OUT = 1.5  # 100 tenants' no-op plan within 1.5x of one tenant's
TARGET_DEPLOY_FAN_OUT = 2.0  # 100 tenants' deploy within 2x of one tenant's
TARGET_PLAN_ROUND_TRIPS = 2  # the token, then the action and the bindings at once
TARGET_HELP_SECONDS = 0.15
TARGET_VALIDATE_SECONDS = 0.30
# --sweep: builds and settles around BUILD and SETTLE (Auth0 settled in 0.3 s in a recording).
SWEEP_BUILDS = (1.3, 1.6, 2.0, 2.3, 2.7)
SWEEP_SETTLES = (0.3, 1.0)


def settings(
    latency: float, *, quick: bool, build: float = BUILD, settle: float = SETTLE
) -> EmulatorSettings:
    if quick:  # the setup deploy of a plan case: only reads are timed
        return EmulatorSettings(
            build_seconds=0.05,
            deploy_settle_seconds=0.05,
            rate_limit_burst=BURST,
            rate_limit_per_second=RATE,
            latency_seconds=latency,
        )
    return EmulatorSettings(
        build_seconds=build,
        deploy_settle_seconds=settle,
        rate_limit_burst=BURST,
        rate_limit_per_second=RATE,
        latency_seconds=latency,
    )


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
        lines += [f"      {s}: {{env: {name.upper()}_{s}}}" for s in SECRETS]
    return "\n".join(lines) + "\n"


@dataclass
class Project:
    """tenants.yaml and a copy of the Action in a temp dir, one in-memory emulator per tenant."""

    root: Path
    tenants: tuple[str, ...]
    emulators: dict[str, Emulator] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path, tenants: Sequence[str], emulator: EmulatorSettings) -> Project:
        shutil.copytree(REPO / "actions" / "accept-terms", root / "accept-terms")
        (root / "tenants.yaml").write_text(tenants_yaml(tenants))
        emulators = {n: Emulator(emulator, domain=f"{n}.emulator") for n in tenants}
        return cls(root, tuple(tenants), emulators)

    def transport(self, tenant: TenantConfig) -> httpx.BaseTransport:
        return self.emulators[tenant.name].transport()

    def context(self) -> Context:
        environ = {
            f"{n.upper()}_{s}": f"bench-{n}-{s}-0123456789abcdefghijklmnopqrstuvwxyz"
            for n in self.tenants
            for s in SECRETS
        }
        return Context(
            config=load_config(self.root / "tenants.yaml"),
            env=Environment(self.root, environ=environ),
            transports=self.transport,
            options=RunOptions(waits=WAITS),
        )

    def change_template(self) -> None:
        template = self.root / "accept-terms" / "action.js.j2"
        template.write_text(template.read_text() + "\n// a reviewed change\n")

    def log(self) -> list[RequestLogEntry]:
        return [e for n in self.tenants for e in self.emulators[n].request_log]

    def clear_logs(self) -> None:
        for emulator in self.emulators.values():
            emulator.clear_log()


def check(outcomes: Sequence[Outcome], *, applied: bool | None = None) -> None:
    """A benchmark of a broken run is worthless: stop on any error."""
    for outcome in outcomes:
        if outcome.error is not None:
            sys.exit(f"{outcome.tenant}: {outcome.error}")
        if applied is not None and outcome.applied != applied:
            sys.exit(f"{outcome.tenant}: expected applied={applied}, got {outcome.applied}")


def wait_for_full_buckets() -> None:
    """Start from full rate-limit buckets, as a tenant nobody has called for a second would."""
    time.sleep(BURST / RATE + 0.1)


def local_work(project: Project) -> float:
    """What a deploy does besides the network, for one tenant: load the config, render, and
    `node --check` (the fastest of 3)."""
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        ctx = project.context()
        desired, _ = prepare_tenant(ctx, ctx.config.tenant(project.tenants[0]))
        check_syntax(desired.code, name=desired.tenant)
        walls.append(time.perf_counter() - start)
    return min(walls)


# -- floors ------------------------------------------------------------------------------
#
# The emulator sleeps its latency before it handles a request, so a request takes effect, and
# is answered, `latency` after it is sent. A stage is a set of requests sent at once; each
# stage is sent when the one before is answered, no earlier than `ready` (the build or the
# settle done), and with a token for each of its requests in the bucket when it takes effect.

# (requests, what must be over first, what it starts): what a change deploy cannot do without.
DEPLOY_STAGES: list[tuple[int, str, str]] = [
    (0, "", ""),  # the token (the Authentication API: not in the Management API's bucket)
    (2, "", ""),  # the action and the bindings, at once
    (1, "", "build"),  # PATCH the draft
    (1, "build", ""),  # the read that sees it built
    (1, "", "settle"),  # deploy
    (1, "", ""),  # the bindings again, for the check that nothing is left (while it settles)
    (1, "settle", ""),  # the read that sees it live (the check's read of the action)
]


def floor(
    latency: float,
    local: float,
    *,
    rate_limited: bool,
    build: float = BUILD,
    settle: float = SETTLE,
) -> float:
    """Local work plus the stages of DEPLOY_STAGES, each as early as possible."""
    tokens, tokens_at, now = float(BURST), 0.0, 0.0
    done = {"": 0.0}
    for requests, after, starts in DEPLOY_STAGES:
        effect = max(now + latency, done[after])
        if rate_limited and requests:
            tokens = min(float(BURST), tokens + (effect - tokens_at) * RATE)
            if tokens < requests:
                effect += (requests - tokens) / RATE
                tokens = float(requests)
            tokens, tokens_at = tokens - requests, effect
        if starts:
            done[starts] = effect + (build if starts == "build" else settle)
        now = effect
    return local + now


# -- cases (each in a child process: its own peak RSS) ----------------------------------


def plan_case(root: Path, n: int, latency: float) -> dict[str, Any]:
    names = [f"t{i:03d}" for i in range(n)]
    project = Project.create(root, names, settings(latency, quick=True))
    check(for_each(names, partial(deploy_tenant, project.context())), applied=True)
    runs, log = [], []  # (wall, CPU) of each pass
    for _ in range(3):
        wait_for_full_buckets()
        project.clear_logs()
        start, cpu = time.perf_counter(), time.process_time()
        outcomes = for_each(names, partial(plan_tenant, project.context()))
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
        check(outcomes)
        if any(o.plan is None or not o.plan.empty for o in outcomes):
            sys.exit("the plan after a deploy is not empty")
        log = project.log()
    # The CPU of the fastest pass: the process's, so the in-process emulators' share is in it.
    wall, cpu = min(runs)
    return {"wall": wall, "cpu": cpu, "requests": len(log), "throttled": throttled(log)}


def deploy_case(
    root: Path, n: int, latency: float, build: float = BUILD, settle: float = SETTLE
) -> dict[str, Any]:
    names = [f"t{i:03d}" for i in range(n)]
    project = Project.create(
        root, names, settings(latency, quick=False, build=build, settle=settle)
    )
    start = time.perf_counter()  # the first deploy: create, build, deploy, bind
    check(for_each(names, partial(deploy_tenant, project.context())), applied=True)
    first = time.perf_counter() - start
    project.change_template()
    local = local_work(project)
    wait_for_full_buckets()
    project.clear_logs()
    start = time.perf_counter()
    check(for_each(names, partial(deploy_tenant, project.context())), applied=True)
    wall = time.perf_counter() - start
    log = project.log()
    polls = sum(1 for e in log if e.method == "GET" and e.path.count("/") == 5)
    return {
        "wall": wall,
        "first": first,
        "requests": len(log),
        "throttled": throttled(log),
        "polls": polls,
        "local": local,
        "floor": floor(latency, local, rate_limited=False, build=build, settle=settle),
        "rate_floor": floor(latency, local, rate_limited=True, build=build, settle=settle),
    }


def throttled(log: list[RequestLogEntry]) -> int:
    return sum(1 for e in log if e.status == 429)


def run_case(kind: str, n: int, latency: float, build: float, settle: float) -> dict[str, Any]:
    faulthandler.dump_traceback_later(CASE_DEADLINE, exit=True)
    with tempfile.TemporaryDirectory(prefix="deployer-bench-") as tmp:
        if kind == "plan":
            result = plan_case(Path(tmp), n, latency)
        else:
            result = deploy_case(Path(tmp), n, latency, build, settle)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def in_child(
    kind: str, n: int, latency: float, build: float = BUILD, settle: float = SETTLE
) -> dict[str, Any]:
    args = [sys.executable, __file__, "--case", kind, str(n), str(latency)]
    args += ["--build", str(build), "--settle", str(settle)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"case {kind} {n} {latency} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def sweep() -> int:
    """One tenant's change deploy against its rate floor for other build and settle times.

    Not a target: a poll at the free tier's sustained rate (one per 0.5 s) sees the end of a
    build or a settle up to one interval late, so the ratio depends on where the end falls
    between two polls; BUILD and SETTLE are one point of that curve.
    """
    ratios = []
    print("latency  build s  settle s  wall s  rate floor s  x rate floor  requests  429s")
    for latency in (0.0, 0.1):
        for build in SWEEP_BUILDS:
            for settle in SWEEP_SETTLES:
                r = in_child("deploy", 1, latency, build, settle)
                ratio = r["wall"] / r["rate_floor"]
                ratios.append(ratio)
                print(
                    f"{latency * 1000:5.0f} ms  {build:7.1f}  {settle:8.1f}  {r['wall']:6.3f}  "
                    f"{r['rate_floor']:12.3f}  {ratio:12.2f}  {r['requests']:8}  "
                    f"{r['throttled']:4}",
                    flush=True,
                )
    print(
        f"x rate floor: min {min(ratios):.2f}, median {statistics.median(ratios):.2f}, "
        f"max {max(ratios):.2f}"
    )
    return 0


# -- start-up ------------------------------------------------------------------------------


def startup(runs: int = 15) -> dict[str, float]:
    """Median wall time of `deployer --help` and `deployer validate` (4 tenants), new process
    each time, as a user runs them."""
    deployer = Path(sys.executable).with_name("deployer")
    # An installed tool has its bytecode (pip compiles at install). A checkout changed since its
    # __pycache__ was written, under PYTHONDONTWRITEBYTECODE, would compile on every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "deployer")], check=True)
    result = {}
    for name, args in (("help", ["--help"]), ("validate", ["validate"])):
        walls = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([str(deployer), *args], cwd=REPO, capture_output=True, check=True)
            walls.append(time.perf_counter() - start)
        result[name] = statistics.median(walls)
        result[f"{name}_min"] = min(walls)
    return result


# -- report --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(sizes: Sequence[int]) -> int:
    started = time.perf_counter()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, load average {load} (wall times depend on both).")
    print(
        f"Emulators in process: build {BUILD:g} s, settle {SETTLE:g} s, rate limit burst "
        f"{BURST} at {RATE:g}/s (Auth0's free tier), one emulator (one bucket) per tenant."
    )
    results: list[tuple[str, bool]] = []
    zero_plan = 0.0  # one tenant's no-op plan without latency: what is not round trips
    for latency in (0.0, 0.1):
        ms = f"{latency * 1000:.0f} ms"
        print(f"\nLatency {ms}")
        plans = {n: in_child("plan", n, latency) for n in sizes}
        one = plans[1]["wall"]
        print("  no-op plan   tenants  wall s   x one  CPU s  requests/tenant  429s  peak RSS MB")
        for n, r in plans.items():
            print(
                f"               {n:>7}  {r['wall']:6.3f}  {r['wall'] / one:5.2f}  "
                f"{r['cpu']:5.3f}  {r['requests'] / n:15g}  {r['throttled']:4}  {r['rss_mb']:11.0f}"
            )
        biggest = max(sizes)
        # Without latency a plan is only CPU: 100 tenants take 100 times one's. Not a target.
        if biggest > 1 and latency:
            ratio = plans[biggest]["wall"] / one
            results.append(
                (
                    f"{ms}: no-op plan of {biggest} tenants {ratio:.2f}x one tenant's "
                    f"<= {TARGET_PLAN_FAN_OUT:g}x",
                    ratio <= TARGET_PLAN_FAN_OUT,
                )
            )
        deploys = {n: in_child("deploy", n, latency) for n in sizes}
        first = deploys[1]
        print(
            "  deploy       tenants  wall s   x one  floor s  x floor  rate floor s  x rate "
            "floor  requests/tenant  polls/tenant  429s  peak RSS MB"
        )
        for n, r in deploys.items():
            print(
                f"               {n:>7}  {r['wall']:6.3f}  {r['wall'] / first['wall']:5.2f}  "
                f"{r['floor']:7.3f}  {r['wall'] / r['floor']:7.2f}  {r['rate_floor']:12.3f}  "
                f"{r['wall'] / r['rate_floor']:12.2f}  {r['requests'] / n:15g}  "
                f"{r['polls'] / n:12g}  {r['throttled']:4}  {r['rss_mb']:11.0f}"
            )
        print(f"  (local work of one tenant: {first['local']:.3f} s, in both floors)")
        print("  first deploy tenants  wall s   x one")
        for n, r in deploys.items():
            print(f"               {n:>7}  {r['first']:6.3f}  {r['first'] / first['first']:5.2f}")
        ratio = first["wall"] / first["rate_floor"]
        results.append(
            (
                f"{ms}: change deploy {ratio:.2f}x its floor under the rate limit "
                f"<= {TARGET_DEPLOY_FLOOR:g}x",
                ratio <= TARGET_DEPLOY_FLOOR,
            )
        )
        throttles = sum(r["throttled"] for r in (*plans.values(), *deploys.values()))
        results.append((f"{ms}: answers of 429: {throttles} == 0", throttles == 0))
        if biggest > 1 and latency:
            ratio = deploys[biggest]["wall"] / first["wall"]
            results.append(
                (
                    f"{ms}: change deploy of {biggest} tenants {ratio:.2f}x one tenant's "
                    f"<= {TARGET_DEPLOY_FAN_OUT:g}x",
                    ratio <= TARGET_DEPLOY_FAN_OUT,
                )
            )
        if latency:
            trips = (plans[1]["wall"] - zero_plan) / latency
            print(f"  round trips of a no-op plan (from the wall times): {trips:.1f}")
            results.append(
                (
                    f"no-op plan: {trips:.1f} round trips <= {TARGET_PLAN_ROUND_TRIPS} (+0.5)",
                    trips <= TARGET_PLAN_ROUND_TRIPS + 0.5,
                )
            )
        else:
            zero_plan = plans[1]["wall"]

    times = startup()
    print("\nStart-up (median of 15 runs, a new process each)")
    print(f"  deployer --help     {times['help']:.3f} s (fastest {times['help_min']:.3f} s)")
    print(
        f"  deployer validate   {times['validate']:.3f} s (fastest {times['validate_min']:.3f} s)"
    )
    results.append(
        (
            f"deployer --help {times['help']:.3f} s <= {TARGET_HELP_SECONDS:g} s",
            times["help"] <= TARGET_HELP_SECONDS,
        )
    )
    results.append(
        (
            f"deployer validate {times['validate']:.3f} s <= {TARGET_VALIDATE_SECONDS:g} s",
            times["validate"] <= TARGET_VALIDATE_SECONDS,
        )
    )

    print("\nTargets")
    for text, ok in results:
        print(f"  {verdict(ok)}  {text}")
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 10 tenants only")
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="one tenant's change deploy for other build and settle times (no target)",
    )
    parser.add_argument("--case", nargs=3, metavar=("KIND", "TENANTS", "LATENCY"))
    parser.add_argument("--build", type=float, default=BUILD, help=argparse.SUPPRESS)
    parser.add_argument("--settle", type=float, default=SETTLE, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.case:
        kind, n, latency = options.case
        result = run_case(kind, int(n), float(latency), options.build, options.settle)
        print(json.dumps(result))
        sys.exit(0)
    if options.sweep:
        sys.exit(sweep())
    sys.exit(main((1, 10) if options.quick else (1, 10, 100)))
