"""Reliability run: deploys against served emulators with faults, and `kill -9` mid-deploy.

Run by hand (not in CI): `.venv/bin/python bench/reliability.py [--seeds N] [--budget SECONDS]`.

Everything is real processes on loopback: `deployer emulator serve --port 0` (plain HTTP on
127.0.0.1, its state in a file) and `deployer deploy` as a separate process, as a user runs them.
Each run starts from a tenant that already has two other post-login Actions bound ("Audit Log"
first, "Risk Check" second), and deploys a new terms version (so there is always a change).

- fault runs (one per seed): the emulator answers a share of requests 5xx or 429 and drops a
  share of connections (seeded, so a run is reproducible). A deploy that fails is run again, as
  a person would, up to MAX_ATTEMPTS times.
- kill runs (one per seed): the deploy, or (odd seeds) the emulator itself, gets `kill -9` at a
  seeded random moment; the emulator is restarted from its state file if it was the one killed,
  then the deploy is run once more.

After each run the emulator is restarted without faults and checked: `deployer plan
--detailed-exitcode` must say "no changes" (converged), the tenant must hold exactly one
"Accept Terms" action, the two other Actions must still be bound in their order with ours, and
no output of any process may contain a secret value. Outcomes:

- converged: all checks pass;
- clean failure: not converged within the attempts, but every failure was a message (exit 1, no
  traceback) and nothing was duplicated or lost;
- bad outcome: a traceback, a hang (a process past its timeout), a secret in an output, a
  duplicate action, a lost binding, or a deploy that reported success without converging.

Exit code 0 when there is no bad outcome, 1 otherwise. Bounded: --seeds (default 6) fault runs
and as many kill runs, each process has a timeout, and the whole run stops at --budget seconds
(default 600), reporting what it did.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from deployer.emulator import Emulator

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from deployer.cli import main; main()"]
NAME = "Accept Terms"
OTHERS = ("Audit Log", "Risk Check")
MAX_ATTEMPTS = 4
PROCESS_TIMEOUT = 120.0
SECRETS = {
    "REL_TOKEN_SECRET": "rel-token-SECRET-VALUE-7fQ2pX9mL4vK8nR3tW6yZ1bC5dH0",
    "REL_PREVIOUS": "rel-previous-SECRET-VALUE-3Gk8Jm2Nq7Rs1Tv6Wx9Yz4Ab0Ce5",
    "REL_RECORD_KEY": "rel-record-SECRET-VALUE-9Hj3Kl6Mn1Pq8Rs4Tu7Vw2Xy5Za0",
}
FAULTS = ("--fault-5xx", "0.12", "--fault-429", "0.08", "--drop", "0.08")


def tenants_yaml(url: str, version: str) -> str:
    return f"""\
version: 1
action: accept-terms
defaults:
  action:
    terms: {{url: "https://terms.example.com/accept", version: "{version}"}}
    claims: {{namespace: "https://example.com/"}}
tenants:
  rel:
    emulator: {{url: "{url}"}}
    binding: {{after: Risk Check}}
    secrets:
      TERMS_TOKEN_SECRET: {{env: REL_TOKEN_SECRET}}
      TERMS_TOKEN_SECRET_PREVIOUS: {{env: REL_PREVIOUS}}
      TERMS_RECORD_KEY: {{env: REL_RECORD_KEY}}
"""


@dataclass
class Result:
    kind: str
    seed: int
    outcome: str = "converged"
    notes: list[str] = field(default_factory=list)
    processes: int = 0

    def bad(self, note: str) -> None:
        self.outcome = "bad outcome"
        self.notes.append(note)


class Served:
    """`deployer emulator serve` in a process of its own, on a free loopback port."""

    def __init__(self, state: Path, seed: int, faults: bool, log: list[str]) -> None:
        args = [
            *CLI,
            "emulator",
            "serve",
            "--port",
            "0",
            "--state",
            str(state),
            "--build-seconds",
            "0.3",
            "--deploy-settle-seconds",
            "0.2",
            "--rate-limit",
            "off",
            "--seed",
            str(seed),
            *(FAULTS if faults else ()),
        ]
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if "listening on" not in first:
            raise RuntimeError(f"the emulator did not start: {first!r}")
        self.url = first.split()[-1]
        self.log = log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            self.log.append("emulator: did not stop on Ctrl-C (killed)")
        self.log.append(out + err)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL
        out, err = self.process.communicate()
        self.log.append(out + err)


class Run:
    def __init__(self, root: Path, result: Result) -> None:
        self.root, self.result = root, result
        self.state = root / "emulator.json"
        self.outputs: list[str] = []
        self.env = {**os.environ, **SECRETS, "NO_COLOR": "1"}

    def configure(self, url: str, version: str) -> None:
        (self.root / "tenants.yaml").write_text(tenants_yaml(url, version))

    def cli(self, *args: str) -> subprocess.Popen[str]:
        self.result.processes += 1
        return subprocess.Popen(
            [*CLI, "-c", str(self.root / "tenants.yaml"), *args],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
        )

    def finish(self, process: subprocess.Popen[str]) -> int | None:
        """The exit code, or None for a hang (killed at the timeout)."""
        try:
            out, _ = process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
            self.outputs.append(out)
            self.result.bad(f"a process hung past {PROCESS_TIMEOUT:.0f}s")
            return None
        self.outputs.append(out)
        if "Traceback" in out:
            self.result.bad("a traceback: " + out.strip().splitlines()[-1][:200])
        return process.returncode

    def deploy(self) -> int | None:
        return self.finish(self.cli("deploy", "--tenant", "rel", "--yes"))

    def verify(self, version: str, claimed_success: bool) -> None:
        """Restart without faults and check convergence, duplicates, bindings and secrets."""
        served = Served(self.state, 0, False, self.outputs)
        try:
            self.configure(served.url, version)
            code = self.finish(self.cli("plan", "--tenant", "rel", "--detailed-exitcode"))
        finally:
            served.stop()
        data = json.loads(self.state.read_text())
        ours = [a for a in data["actions"] if a["name"] == NAME]
        if len(ours) > 1:
            self.result.bad(f"{len(ours)} actions named {NAME!r}")
        names = {a["id"]: a["name"] for a in data["actions"]}
        bound = [names.get(b["action_id"], "?") for b in data["bindings"].get("post-login", [])]
        if [n for n in bound if n in OTHERS] != list(OTHERS):
            self.result.bad(f"other bindings lost or reordered: {bound}")
        for output in self.outputs:
            if any(value in output for value in SECRETS.values()):
                self.result.bad("a secret value in an output")
                break
        if self.result.outcome == "bad outcome":
            return
        if code == 0 and bound.count(NAME) == 1:
            self.result.outcome = "converged"
        elif claimed_success:
            self.result.bad(f"a deploy said it succeeded, but the plan exits {code}")
        else:
            self.result.outcome = "clean failure"


def seed_tenant(state: Path) -> None:
    """The tenant's past: two other Actions bound to post-login, deployed and settled."""
    emulator = Emulator(state_path=state, domain="127.0.0.1")
    for name in OTHERS:
        emulator.seed_binding("post-login", emulator.seed_action(name))


def prepare(root: Path) -> None:
    shutil.copytree(REPO / "actions" / "accept-terms", root / "accept-terms")
    seed_tenant(root / "emulator.json")


def fault_run(root: Path, seed: int) -> Result:
    result = Result("faults", seed)
    prepare(root)
    run = Run(root, result)
    version = f"2026-12-{seed % 28 + 1:02d}"
    served = Served(run.state, seed, True, run.outputs)
    success = False
    try:
        run.configure(served.url, version)
        for _ in range(MAX_ATTEMPTS):
            code = run.deploy()
            if code == 0:
                success = True
                break
            if code is None:
                break
    finally:
        served.stop()
    run.verify(version, success)
    return result


def kill_run(root: Path, seed: int) -> Result:
    result = Result("kill -9", seed)
    prepare(root)
    run = Run(root, result)
    rng = random.Random(seed)
    version = f"2027-01-{seed % 28 + 1:02d}"
    served = Served(run.state, seed, False, run.outputs)
    try:
        run.configure(served.url, version)
        process = run.cli("deploy", "--tenant", "rel", "--yes")
        # Process start and config take about a second; the deploy itself two or three more.
        time.sleep(rng.uniform(0.5, 4.0))
        if seed % 2:
            served.kill()
            result.notes.append("killed the emulator")
            run.finish(process)  # it fails against a dead server: a message, not a hang
            served = Served(run.state, seed, False, run.outputs)
            run.configure(served.url, version)
        else:
            process.kill()
            process.communicate()
            result.notes.append("killed the deploy")
        code = run.deploy()
    finally:
        served.stop()
    run.verify(version, code == 0)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--budget", type=float, default=600.0)
    args = parser.parse_args()
    started = time.monotonic()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="deployer-reliability-") as temp:
        plan = [(fault_run, s) for s in range(1, args.seeds + 1)]
        plan += [(kill_run, s) for s in range(1, args.seeds + 1)]
        for i, (scenario, seed) in enumerate(plan):
            if time.monotonic() - started > args.budget:
                print(f"budget of {args.budget:.0f}s spent: {len(plan) - i} runs not started")
                break
            root = Path(temp) / f"run-{i}"
            root.mkdir()
            t0 = time.monotonic()
            result = scenario(root, seed)
            results.append(result)
            notes = "; ".join(result.notes)
            print(
                f"{result.kind:8} seed {seed:2}: {result.outcome:13} "
                f"({result.processes} deployer processes, {time.monotonic() - t0:4.1f}s) {notes}",
                flush=True,
            )
    counts = Counter(r.outcome for r in results)
    print(
        f"\nruns {len(results)}, converged {counts['converged']}, "
        f"clean failures {counts['clean failure']}, bad outcomes {counts['bad outcome']} "
        f"({time.monotonic() - started:.0f}s)"
    )
    return 1 if counts["bad outcome"] else 0


if __name__ == "__main__":
    sys.exit(main())
