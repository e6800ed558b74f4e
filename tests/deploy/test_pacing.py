"""Each tenant's requests stay within its rate limit: no 429 from a deploy, waits that leave a
token for the write after them, and a budget corrected by what the answers say."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from support.project import Project

from deployer.client import Auth0Client
from deployer.emulator import EmulatorSettings
from deployer.pacing import SLACK_SECONDS, RateBudget, polling
from deployer.workflow import deploy_tenant, plan_tenant


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


WAIT = 0.5 + SLACK_SECONDS  # one token at 2 per second, and the slack


def budget(fake: FakeTime) -> RateBudget:
    return RateBudget(burst=2, per_second=2.0, clock=fake.clock, sleep=fake.sleep)


def test_burst_then_the_sustained_rate() -> None:
    fake = FakeTime()
    rate = budget(fake)
    for _ in range(4):
        rate.acquire()
    assert fake.slept == [WAIT, pytest.approx(0.5)]


def test_a_poll_leaves_a_token_for_the_next_request() -> None:
    fake = FakeTime()
    rate = budget(fake)
    with polling():
        rate.acquire()  # 2 tokens: one is left
        rate.acquire()  # 1 token: waits until there are 2 again
    assert fake.slept == [WAIT]
    rate.acquire()  # the write after the wait goes at once
    assert fake.slept == [WAIT]


def test_answers_correct_the_count() -> None:
    fake = FakeTime()
    rate = budget(fake)
    # Another client spent the bucket: the tenant says none is left where we counted two.
    rate.observe(200, {"x-ratelimit-limit": "2", "x-ratelimit-remaining": "0"})
    rate.acquire()  # the tenant holds less than one token: wait for the rest of it
    rate.acquire()  # and a whole one for the next
    assert len(fake.slept) == 2 and fake.slept[0] < 0.1 and fake.slept[1] >= 0.5
    rate.observe(429, {})
    rate.acquire()
    assert len(fake.slept) == 3 and fake.slept[-1] >= 0.5


def test_a_header_that_agrees_costs_nothing() -> None:
    fake = FakeTime()
    rate = budget(fake)
    rate.acquire()
    rate.observe(200, {"x-ratelimit-limit": "2", "x-ratelimit-remaining": "1"})
    rate.acquire()
    assert fake.slept == []


def test_a_request_that_reached_a_full_bucket_late_is_counted_from_then() -> None:
    fake = FakeTime()
    rate = budget(fake)
    rate.acquire()
    rate.acquire()  # both sent at once from a full bucket; they reach it 0.3 s later
    fake.now += 0.3
    rate.observe(200, {"x-ratelimit-limit": "2", "x-ratelimit-remaining": "0"})
    rate.acquire()  # counted from our sending, 0.6 tokens would be there: none are
    assert fake.slept == [pytest.approx(WAIT)]


def test_the_rounded_down_header_costs_next_to_nothing() -> None:
    fake = FakeTime()
    rate = budget(fake)
    rate.acquire()
    rate.acquire()
    rate.observe(200, {"x-ratelimit-limit": "2", "x-ratelimit-remaining": "0"})
    fake.now += 0.45
    # 0.9 tokens on the tenant's side shows as 0: not a reason to wait a whole token.
    rate.observe(200, {"x-ratelimit-limit": "2", "x-ratelimit-remaining": "0"})
    rate.acquire()
    assert fake.slept == [pytest.approx(0.05 + SLACK_SECONDS)]


def test_a_larger_bucket_from_the_answers_allows_a_larger_burst() -> None:
    fake = FakeTime()
    rate = budget(fake)
    rate.observe(200, {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "9"})
    fake.now += 5  # refilled to the larger bucket
    for _ in range(10):
        rate.acquire()
    assert fake.slept == []


def test_a_deploy_under_the_free_tier_limit_meets_no_429(project: Project) -> None:
    project.settings = EmulatorSettings(
        build_seconds=0.3, deploy_settle_seconds=0.2, rate_limit_burst=2, rate_limit_per_second=2.0
    )
    ctx = project.context()
    ctx = dataclasses.replace(
        ctx,
        options=dataclasses.replace(
            ctx.options, waits=dataclasses.replace(ctx.options.waits, poll=0.1)
        ),
    )
    assert deploy_tenant(ctx, "dev").applied
    project.template.write_text(project.template.read_text() + "\n// a change\n")
    assert deploy_tenant(project.context(), "dev").applied
    log = project.emulator("dev").request_log
    assert [e for e in log if e.status == 429] == []
    # and the waits really polled (faster than the limit allows, had the budget not held them)
    assert sum(1 for e in log if e.method == "GET" and e.path.count("/") == 5) >= 2


def test_a_no_op_plan_reads_the_action_and_bindings_at_once(project: Project) -> None:
    latency = 0.3
    project.settings = dataclasses.replace(project.settings, latency_seconds=latency)
    assert deploy_tenant(project.context(), "dev").applied
    project.emulator("dev").clear_log()
    assert plan_tenant(project.context(), "dev").plan.empty  # type: ignore[union-attr]
    log = project.emulator("dev").request_log
    assert sorted(e.path.rsplit("/", 1)[-1] for e in log) == ["actions", "bindings", "token"]
    first, second = (e for e in log if e.path != "/oauth/token")
    # One after the other, the second would be handled a full latency after the first; at
    # once, both wait out their latency side by side.
    assert abs(second.timestamp - first.timestamp) < latency / 2


def test_answers_without_rate_limit_headers_stop_the_pacing() -> None:
    fake = FakeTime()
    rate = budget(fake)
    rate.observe(200, {})  # an emulator without a rate limit
    for _ in range(5):
        rate.acquire()
    assert fake.slept == []


def test_waits_look_at_a_fixed_cadence_not_doubling() -> None:
    from deployer.apply import Waiter, Waits

    fake = FakeTime()
    looks: list[float] = []

    def check() -> str | None:
        looks.append(fake.now)
        fake.now += 0.1  # the round trip is part of the interval
        return None if len(looks) == 6 else "building"

    waiter = Waiter(Waits(poll=0.5), lambda line: None, sleep=fake.sleep, clock=fake.clock)
    waiter.until("waiting for the build", 60, check, at_once=False)
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(looks)]
    assert looks[0] == pytest.approx(100.5)  # a build just started is not looked at at once
    assert gaps == [0.5] * 5


def test_a_change_deploy_reads_nothing_twice(project: Project) -> None:
    assert deploy_tenant(project.context(), "dev").applied
    project.template.write_text(project.template.read_text() + "\n// a change\n")
    project.emulator("dev").clear_log()
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.applied and outcome.error is None
    calls = [(e.method, e.path.rsplit("/", 1)[-1]) for e in project.emulator("dev").request_log]
    patch = calls.index(("PATCH", next(p for m, p in calls if m == "PATCH")))
    deploy = calls.index(("POST", "deploy"))
    # The plan's read was a moment ago: the draft is written without reading it again first.
    assert [c for c in calls[:patch] if c[0] == "GET"] == [("GET", "actions"), ("GET", "bindings")]
    # The check that nothing is left reads the bindings while the deploy settles, and takes the
    # action from the read that saw it live: no lookup by name after the deploy.
    after = calls[deploy + 1 :]
    assert after.count(("GET", "bindings")) == 1 and ("GET", "actions") not in after
    assert after[-1][0] == "GET" and after[-1][1] not in ("bindings", "actions")


def test_the_bindings_read_while_it_settles_feed_the_check_after(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert deploy_tenant(project.context(), "dev").applied
    project.template.write_text(project.template.read_text() + "\n// a change\n")
    state = project.emulator("dev").state
    reads = itertools.count()
    original = Auth0Client.bindings

    def someone_unbinds_us_after_the_plan(self: Auth0Client, trigger_id: str) -> object:
        if next(reads) == 1:  # the plan's read has been made; the check's comes now
            state.bindings[trigger_id] = []
        return original(self, trigger_id)

    monkeypatch.setattr(Auth0Client, "bindings", someone_unbinds_us_after_the_plan)
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.applied and outcome.exit_code == 1
    assert outcome.error is not None and "still differs" in outcome.error


def test_a_first_deploy_checks_the_bindings_as_the_answer_to_its_bind_gave_them(
    project: Project,
) -> None:
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.applied and outcome.error is None
    calls = [(e.method, e.path.rsplit("/", 1)[-1]) for e in project.emulator("dev").request_log]
    bind = calls.index(("PATCH", "bindings"))
    assert calls[bind - 1] == ("GET", "bindings")  # the latest list, right before replacing it
    assert calls[bind + 1 :] == []  # and nothing read again after it
