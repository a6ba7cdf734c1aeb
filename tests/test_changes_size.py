"""The access diff at a realistic size: it fits a pull-request comment, counts first, and its
chart stays within what Mermaid draws."""

from __future__ import annotations

from pathlib import Path

from modules.access_model import PRIVATE_FOLDER, environment_access
from modules.access_report import (
    MERMAID_MAX_EDGES,
    MERMAID_MAX_TEXT,
    Change,
    Edge,
    _lines,
    _order_steps,
    _pair_wording,
    changes,
    changes_markdown,
    chart,
)
from modules.validation import load_valid_environments
from tests.conftest import PROJECT

GROUPS = 300
COMMENT_CAP = 60_000


def environment(name: str, mapping: str) -> str:
    groups = "".join(
        f"  - {{name: team-{i:03d}, access: readwrite, precedence: {i + 1}, prefixes: [team-{i:03d}/]}}\n"
        for i in range(GROUPS)
    )
    return (
        f"app: demo\nregion: eu-west-1\nuser_pool: {{name: p-{name}}}\nbucket: {{name: demo-{name}}}\n"
        f"private_folders: true\nidentity_pool: {{role_mapping: {mapping}}}\ngroups:\n{groups}"
    )


def accesses(directory: Path, mapping: str):
    directory.mkdir()
    for name in ("dev", "prod"):
        (directory / f"{name}.yaml").write_text(environment(name, mapping))
    templates = PROJECT / "templates" / "policies"
    return [environment_access(e, templates) for e in load_valid_environments(directory)]


def test_300_groups_from_token_to_tags_fit_a_comment_counts_first_one_statement(tmp_path: Path):
    found = changes(accesses(tmp_path / "base", "token"), accesses(tmp_path / "head", "tags"))
    pairs = GROUPS * (GROUPS - 1) // 2
    assert len(found) == 2 * (pairs + 2)  # every pair widens, in each environment: none hidden
    text = changes_markdown(found)
    assert len(text) < COMMENT_CAP
    lines = text.splitlines()
    assert lines[:6] == [
        "# Access changes",
        "",
        f"**0 data loss, {2 * (pairs + 2):,} widened, 0 narrowed, 0 added, 0 removed**",
        "",
        "## `dev`, `prod`",  # the same changes, told once
        "",
    ]
    assert lines[6] == (
        f"- **widened**: a member of any two of these {GROUPS} groups now gets the union of their folders "
        "(was: the role of one of the two): gains list, read, write, delete on 299 folders"
    )
    assert "  <details><summary>the 300 groups</summary>" in lines
    assert "  <details><summary>the 299 folders</summary>" in lines
    assert "- **widened**: role mapping: `tags` (was: `token`)" in lines
    assert "- **widened**: folders per level: `4` (was: not set)" in lines
    assert f"_No chart: its {pairs:,} edges exceed the 500 that Mermaid draws._" in lines
    assert "None" not in text and PRIVATE_FOLDER not in text


def test_some_pairs_of_many_groups_are_counted_and_listed_up_to_a_hundred():
    caps = ("list", "read")
    together = "now gets the union of their folders (was: the role of one of the two)"
    found = [
        Change(
            "dev",
            f"g{a:02d}, g{b:02d}",
            "widened",
            f"g{b:02d}/",
            caps,
            "x",
            (f"g{a:02d}", f"g{b:02d}"),
            together,
        )
        for a in range(24)
        for b in range(a + 1, 24)
        if (a + b) % 2
    ]
    (line,) = _lines(found)
    assert line.startswith(
        f"**widened**: a member of one of {len(found)} pairs of these 24 groups {together}: "
        "gains list, read on 23 folders\n"
    )
    assert f"<details><summary>the {len(found)} pairs</summary>" in line
    assert line.count(" and `g") == 100
    assert f"; and {len(found) - 100} more (`report --format json` lists each)" in line
    one = _lines(found[:1])
    assert one == ("**widened**: x: gains list, read on `g01/`",)


def edges(count: int, folder: str = "f/") -> list[Edge]:
    return [Edge(f"group-{n}", folder, "read") for n in range(count)]


def test_a_chart_of_up_to_500_edges_is_drawn_and_one_of_more_is_a_note():
    drawn = chart(edges(MERMAID_MAX_EDGES))
    assert drawn.startswith("```mermaid\nflowchart LR\n") and drawn.endswith("```\n")
    assert drawn.count(" -->") == MERMAID_MAX_EDGES and len(drawn) < MERMAID_MAX_TEXT
    assert (
        chart(edges(MERMAID_MAX_EDGES + 1))
        == "_No chart: its 501 edges exceed the 500 that Mermaid draws._\n"
    )
    assert chart(edges(MERMAID_MAX_EDGES, PRIVATE_FOLDER)) == ""
    assert chart(edges(2) * 3).count(" -->") == 2  # each edge once


def test_a_chart_of_more_text_than_mermaid_takes_is_a_note():
    wide = [Edge(f"group-{n}-" + "x" * 120, f"folder-{n}/", "read") for n in range(300)]
    note = chart(wide)
    assert note.startswith("_No chart: its ") and note.endswith(
        " characters exceed the 50,000 that Mermaid draws._\n"
    )
    assert chart(wide[:100]).startswith("```mermaid\n")


def test_a_precedence_change_is_told_as_insertions_and_moves():
    order = [f"team-{n:03d}" for n in range(300)]
    assert _order_steps(order, [*order, "newteam"]) == ["`newteam` after `team-299`"]
    assert _order_steps(order, ["newteam", *order]) == ["`newteam` first"]
    assert _order_steps(["a", "b", "c"], ["b", "a", "c"]) == ["`b` now first"]
    assert _order_steps(["a", "b", "c"], ["a", "c"]) == ["`b` leaves the order"]
    assert _order_steps(["a", "b"], ["a", "x", "b"]) == ["`x` after `a`"]


def test_a_pair_says_what_it_got_before_only_when_that_differs():
    union = "the union of their folders"
    assert _pair_wording(union, union) == f"now gets more through {union}"
    assert _pair_wording("the role of `a`", union) == f"now gets {union} (was: the role of `a`)"
    both = "the role of one of the two"
    assert _pair_wording(both, both) == "now gets the role of the other of the two"
