"""Names derive from group names only, and stay inside AWS limits deterministically."""

from __future__ import annotations

from modules import naming


def test_short_names_are_kept():
    assert naming.bounded_name("app-dev-analysts", 64) == "app-dev-analysts"
    assert naming.bounded_name("x" * 64, 64) == "x" * 64


def test_long_names_are_cut_with_a_stable_hash():
    name = "groupfolders-demo-production-" + "a-very-long-group-name-" * 3
    cut = naming.bounded_name(name, 64)
    assert len(cut) == 64
    assert cut == naming.bounded_name(name, 64)
    assert cut.startswith(name[:55] + "-")
    assert cut != naming.bounded_name(name + "x", 64)


def test_terraform_id_maps_dots_to_underscores():
    assert naming.terraform_id("team.a") == "group_team_a"
    assert naming.terraform_id("9lives") == "group_9lives"
