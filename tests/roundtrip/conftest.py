"""Both consent pages, each started once for tests/roundtrip/ with the same configuration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from support.roundtrip import (
    ConsentPage,
    Secrets,
    local_action,
    nextjs_page,
    npm_missing,
    python_page,
    write_terms,
)

from deployer.params import ActionParams

PAGES = ["python", "nextjs"]


@pytest.fixture(scope="session")
def roundtrip_keys() -> Secrets:
    return Secrets()


@pytest.fixture(scope="session")
def action() -> tuple[str, ActionParams]:
    return local_action()


@pytest.fixture(scope="session")
def page(
    request: pytest.FixtureRequest,
    roundtrip_keys: Secrets,
    action: tuple[str, ActionParams],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ConsentPage]:
    """The page named by the test's parameter (ids `python` and `nextjs`)."""
    name = request.param
    if name == "nextjs" and (why := npm_missing()) is not None:
        pytest.skip(why)
    root = tmp_path_factory.mktemp(f"roundtrip-{name}")
    terms = write_terms(root / "terms", action[1].terms.version)
    with ExitStack() as stack:
        if name == "python":
            yield stack.enter_context(python_page(roundtrip_keys, terms))
        else:
            yield stack.enter_context(nextjs_page(roundtrip_keys, terms, root / "next.log"))
