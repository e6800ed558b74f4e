"""The one Node process that checks the syntax of every rendered Action of a run."""

from __future__ import annotations

from deployer import syntax


def test_closing_the_checker_leaves_no_node_running_and_a_later_check_starts_one() -> None:
    checker = syntax._checker()
    assert syntax.check("before", "module.exports = 1;") is None
    checker.close()  # what the exit handler does
    assert not checker.alive()
    detail = syntax.check("after", "module.exports = (;")
    assert detail is not None and "<after>" in detail
