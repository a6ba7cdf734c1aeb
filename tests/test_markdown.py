"""What came from configuration or a plan cannot act in a pull-request comment: each character that
GitHub Flavored Markdown gives a meaning is fed through every Markdown output (report, diff,
explain, plan-summary), and the output is rendered by cmark-gfm, GitHub's own parser: the value is
shown whole inside code, and makes no mention, emphasis, link, HTML, table cell or comment marker."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.cli import main
from modules.markdown import code
from tests.conftest import PROJECT

# Each value that means something in Markdown, and how it must be shown (newline as its escape).
HOSTILE = {
    "mention": "@octocat",
    "backtick": "a`b``c",
    "pipe": "a|b",
    "angle brackets": "<b>bold</b>",
    "star": "*star*",
    "underscore": "_under_",
    "brackets": "[text](https://example.com)",
    "newline": "one\ntwo",
    "marker": "<!-- groupfolders:section:access -->",
}
SHOWN = {name: value.replace("\n", "\\n") for name, value in HOSTILE.items()}
# GitHub's mention filter: `@name` after the start or a non-word character, outside code and links.
MENTION = re.compile(r"(?:^|\W)@[A-Za-z0-9]")
# What our own Markdown makes; an <em>, <a>, <b> or any other element came from a value.
OURS = {"h1", "h2", "h4", "p", "ul", "li", "strong", "code", "pre", "blockquote", "br"}
TABLES = {"table", "thead", "tbody", "tr", "th", "td"}


class Rendered(HTMLParser):
    """The elements of the HTML, the text inside code, the text elsewhere, and each table row's cells."""

    def __init__(self, markdown: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.inside_code: list[str] = []
        self.outside_code: list[str] = []
        self.rows: list[int] = []
        self._open: list[str] = []
        self.feed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._open.append(tag)
        if tag == "code" and "pre" not in self._open:
            self.inside_code.append("")
        if tag == "tr":
            self.rows.append(0)
        if tag in ("td", "th"):
            self.rows[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "pre" in self._open:
            return  # a Mermaid block: its labels have their own escaping (access_report.mermaid_text)
        if "code" in self._open:
            self.inside_code[-1] += data
        else:
            self.outside_code.append(data)


def assert_neutral(markdown: str, shown: list[str]) -> None:
    """Every value in `shown` is whole inside one code element, and nothing in `markdown` acts."""
    assert "<!--" not in markdown, "a comment marker survived in the raw text"
    rendered = Rendered(markdown)
    assert rendered.tags <= OURS | TABLES, f"elements made by a value: {rendered.tags - OURS - TABLES}"
    outside = "".join(rendered.outside_code)
    assert not MENTION.search(outside), "an @mention outside code"
    for value in shown:
        assert any(value in text for text in rendered.inside_code), f"{value!r} is not shown whole in code"
        assert value not in outside
    header = rendered.rows[0] if rendered.rows else 0
    assert all(cells == header for cells in rendered.rows), "a value split a table row"


# --- the helper, in each place a value goes: prose, a list item, a table cell


@pytest.mark.parametrize("name", HOSTILE)
def test_a_value_is_shown_whole_and_acts_nowhere(name: str):
    value = code(HOSTILE[name])
    markdown = f"Text {value} text.\n\n- **kind**: {value}\n\n| a | b |\n|---|---|\n| {value} | x |\n"
    assert_neutral(markdown, [SHOWN[name]])
    assert Rendered(markdown).inside_code == [SHOWN[name]] * 3


def test_plain_values_stay_plain_code_spans():
    """What most values are: the raw Markdown stays readable, as before."""
    assert code("analysts/") == "`analysts/`"
    assert code("private/<identity id>/") == "`private/<identity id>/`"
    assert code("arn:aws:iam::123456789012:role/@octocat") == "`arn:aws:iam::123456789012:role/@octocat`"
    assert code("a|b") == "<code>a&#124;b</code>"
    assert code(" a") == "<code> a</code>", "a code span would lose the space"


# --- every output, through the fields that can carry such characters

# Group names allow `_` (and `.`, `-`); pool names `@` and spaces; principal ARNs `@`, `_`, `+`, `=`;
# access levels are template file names, which may hold any character but `/`.
LEVEL = "lvl`|<b>*_[x]_@octocat<!-- groupfolders:section:access -->"
LINE_LEVEL = "nl\nline"
POOL = "dev @octocat"
EXEMPT = ("arn:aws:iam::123456789012:role/@octocat", "arn:aws:iam::123456789012:role/_emph_")


def environment(pool: str, groups: list[dict[str, object]], **bucket: object) -> str:
    return json.dumps(
        {
            "app": "demo",
            "region": "eu-west-1",
            "user_pool": {"name": pool},
            "bucket": {"name": "demo-bucket", **bucket},
            "groups": groups,
            **(
                {"shared_folders": [{"prefix": "shared/", "access": {"_em_": LEVEL, "plain": LINE_LEVEL}}]}
                if bucket
                else {}
            ),
        }
    )


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(base environments, head environments, templates): the head brings every hostile value."""
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates" / "policies", templates)
    for level in (LEVEL, LINE_LEVEL):
        shutil.copy(templates / "read.json.j2", templates / f"{level}.json.j2")
    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir()
    head.mkdir()
    (base / "dev.yaml").write_text(
        environment("dev-pool", [{"name": "plain", "access": "read", "precedence": 2}])
    )
    groups = [
        {"name": "_em_", "access": LEVEL, "precedence": 1},
        {"name": "plain", "access": LINE_LEVEL, "precedence": 2},
    ]
    (head / "dev.yaml").write_text(
        environment(POOL, groups, folder_guard=True, exempt_principals=list(EXEMPT))
    )
    return base, head, templates


def markdown_of(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    code_ = main(list(arguments))
    out, err = capsys.readouterr()
    assert code_ == 0, err
    return out


def test_the_report_shows_every_value_as_code(hostile, capsys):
    _, head, templates = hostile
    text = markdown_of(capsys, "report", "--environments", str(head), "--templates", str(templates))
    assert_neutral(text, [LEVEL, "nl\\nline", f"new {POOL}", *EXEMPT, "_em_", "_em_/"])


def test_the_diff_shows_every_value_as_code(hostile, capsys):
    base, head, templates = hostile
    text = markdown_of(
        capsys,
        *("report", "--environments", str(head), "--templates", str(templates)),
        *("--base-environments", str(base)),
    )
    assert "- **widened**: user pool: `new dev @octocat` (was: `new dev-pool`)\n" in text
    assert_neutral(text, [LEVEL, "nl\\nline", f"new {POOL}", *EXEMPT, "_em_", "_em_/"])


def test_explain_shows_every_value_as_code(hostile, capsys):
    _, head, templates = hostile
    text = markdown_of(
        capsys,
        *("explain", "--environments", str(head), "--templates", str(templates)),
        *("--env", "dev", "--groups", "_em_,plain"),
    )
    assert_neutral(text, ["_em_", "_em_/", "demo-dev-_em_"])


def test_explain_in_tags_mode_shows_levels_and_tags_as_code(tmp_path: Path, capsys):
    """In tags mode a level is half of a tag key, so it holds only what IAM allows in one: `@` too."""
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates" / "policies", templates)
    shutil.copy(templates / "read.json.j2", templates / "r @octocat.json.j2")
    (tmp_path / "envs").mkdir()
    groups = [
        {"name": "_a_", "access": "r @octocat", "precedence": 1, "prefixes": ["a/", "b/"]},
        {"name": "_b_", "access": "r @octocat", "precedence": 2, "prefixes": ["c/"]},
    ]
    document = json.loads(environment(POOL, groups))
    document["identity_pool"] = {"role_mapping": "tags", "folders_per_level": 2}
    (tmp_path / "envs" / "dev.yaml").write_text(json.dumps(document))
    arguments = (
        "explain",
        "--environments",
        str(tmp_path / "envs"),
        "--templates",
        str(templates),
        "--env",
        "dev",
    )
    overflow = markdown_of(capsys, *arguments, "--groups", "_a_,_b_")
    assert "grant 3 `r @octocat` folders" in overflow
    assert_neutral(overflow, ["_a_", "_b_", "r @octocat"])
    tags = markdown_of(capsys, *arguments, "--groups", "_a_")
    assert_neutral(tags, ["_a_", "r @octocat.1", "a/"])


def test_plan_summary_shows_every_address_and_the_title_as_code(tmp_path: Path, capsys):
    addresses = [f'aws_s3_bucket.b["{value}"]' for value in HOSTILE.values()]
    plan = {
        "format_version": "1.2",
        "planned_values": {},
        "resource_changes": [
            {"address": address, "type": "aws_s3_bucket", "change": {"actions": actions}}
            for address in addresses
            for actions in (["delete"],)
        ]
        + [{"address": "aws_iam_role.r", "type": "aws_iam_role", "change": {"actions": ["create"]}}],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    text = markdown_of(capsys, "plan-summary", str(tmp_path / "plan.json"), "--title", "prod @octocat")
    shown = [f'aws_s3_bucket.b["{value}"]' for value in SHOWN.values()]
    assert_neutral(text, [*shown, "prod @octocat"])
    assert text.count("**destroy**") == len(HOSTILE), "each in the caution list, none merged or split"


# Printable text of every kind (invisible characters are shown as escapes: the cases above), but no
# `@`: in the `<code>` form GitHub still makes an e-mail address a mailto link, which shows the
# address as it is and mentions nobody (see modules/markdown.py).
PRINTABLE = st.characters(
    exclude_categories=("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"), exclude_characters="@"
)


@settings(max_examples=200, deadline=None)
@given(st.text(PRINTABLE, min_size=1))
def test_any_printable_value_is_shown_exactly_in_one_code_element(text: str):
    value = code(text)
    markdown = f"Text {value} text.\n\n| a | b |\n|---|---|\n| {value} | x |\n"
    assert "<!--" not in markdown
    rendered = Rendered(markdown)
    assert rendered.tags <= {"p", "code"} | TABLES
    assert rendered.inside_code == [text, text]
    assert rendered.rows == [2, 2]
