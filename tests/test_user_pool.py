"""A user pool made here lets only administrators create users: nobody signs themselves up.

Self sign-up would let anyone on the internet become an authenticated identity of the
identity pool, and so receive the role of users without a group (their private folder) and
whatever a later setting gives every signed-in user. Asserted on every synthesized pool,
not left to the snapshots (`UPDATE_SNAPSHOTS=1` would accept the change).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, load_stack

ENVIRONMENTS = list(load_valid_environments(EXAMPLES))


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=lambda e: e.name)
def test_every_new_user_pool_refuses_self_sign_up(example_out: Path, environment):
    pools = load_stack(example_out, environment.name)["resource"].get("aws_cognito_user_pool", {})
    if environment.user_pool.existing_id is not None:
        assert pools == {}  # an existing pool is left as it is
        return
    (pool,) = pools.values()
    # Absent, the provider's default (false) lets users sign themselves up.
    assert pool["admin_create_user_config"] == {"allow_admin_create_user_only": True}


def test_the_examples_hold_new_and_existing_pools():
    """Both branches above run."""
    assert {environment.user_pool.existing_id is None for environment in ENVIRONMENTS} == {True, False}
