"""Both consent pages, each started once for tests/roundtrip/ with the same configuration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def _started(
    name: str, keys: Secrets, version: str, factory: pytest.TempPathFactory
) -> Iterator[ConsentPage]:
    if name == "nextjs" and (why := npm_missing()) is not None:
        pytest.skip(why)
    root = factory.mktemp(f"roundtrip-{name}")
    terms = write_terms(root / "terms", version)
    if name == "python":
        with python_page(keys, terms) as page:
            yield page
    else:
        with nextjs_page(keys, terms, root / "next.log") as page:
            yield page


# Module scope: a running `next start` is let go when the table's module is done, not kept
# through the rest of the suite.
@pytest.fixture(scope="module")
def page(
    request: pytest.FixtureRequest,
    roundtrip_keys: Secrets,
    action: tuple[str, ActionParams],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ConsentPage]:
    """The page named by the test's parameter (ids `python` and `nextjs`), at step 3 of the
    contract's rotation order: it signs with the new secret and still accepts the old one."""
    with _started(request.param, roundtrip_keys, action[1].terms.version, tmp_path_factory) as p:
        yield p


@pytest.fixture(scope="module")
def page_not_yet_rotated(
    request: pytest.FixtureRequest,
    roundtrip_keys: Secrets,
    action: tuple[str, ActionParams],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ConsentPage]:
    """The same page at step 1: it signs with the old secret and already accepts the new one."""
    keys = Secrets(new=roundtrip_keys.old, old=roundtrip_keys.new, record=roundtrip_keys.record)
    with _started(request.param, keys, action[1].terms.version, tmp_path_factory) as p:
        yield p
