"""`deployer emulator serve --seed-demo`: the demo user and application."""

from __future__ import annotations

from support.login import Browser, query_of

from deployer.emulator import Emulator
from deployer.emulator.login.demo import DEMO_CALLBACK, seed_demo


def test_the_demo_user_logs_in_and_a_new_start_gives_a_new_password(tenant: Emulator) -> None:
    first = seed_demo(tenant.login)
    second = seed_demo(tenant.login)  # a restart on the same state file
    assert first.password != second.password
    assert len(tenant.state.login.users) == 1
    with Browser.open(tenant) as b:
        url = second.authorize_url("https://local.emulator")
        form = b.http.get(url[len("https://local.emulator") :])
        assert b.submit_login(form, second.email, first.password).status_code == 400
        back = b.submit_login(form, second.email, second.password)
        assert back.headers["location"].startswith(DEMO_CALLBACK + "?")
        assert "code" in query_of(back.headers["location"])
