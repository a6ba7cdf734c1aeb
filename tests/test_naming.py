"""Names derive from group names only, and stay inside AWS limits deterministically."""

from __future__ import annotations

from modules import naming


def test_short_names_are_kept():
    assert naming.bounded_name("app-dev-analysts", 64) == "app-dev-analysts"
    assert naming.bounded_name("x" * 64, 64) == "x" * 64


def test_long_names_are_cut_with_a_stable_hash():
    """The hash is pinned: a different one would rename (replace) every role with a long name.
    Each is `printf %s NAME | sha256sum | cut -c1-8`."""
    name = "groupfolders-demo-production-" + "a-very-long-group-name-" * 3
    assert naming.bounded_name(name, 64) == "groupfolders-demo-production-a-very-long-group-name-a-v-beffc4ba"
    assert (
        naming.bounded_name(name + "x", 64)
        == "groupfolders-demo-production-a-very-long-group-name-a-v-f9848b93"
    )
    assert naming.bounded_name("x" * 65, 64) == "x" * 55 + "-9537c5fd"
    assert naming.bounded_name("groupfolders-prod-finance-reports", 20) == "groupfolder-85694563"
    assert naming.bounded_name("Groupfolders-Prod-Finance-Reports", 20) == "Groupfolder-1c834db1"  # case kept


def test_terraform_id_maps_dots_to_underscores():
    assert naming.terraform_id("team.a") == "group_team_a"
    assert naming.terraform_id("9lives") == "group_9lives"
