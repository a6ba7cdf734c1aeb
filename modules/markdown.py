"""Markdown for what came from configuration or a plan: every such value is shown as inline code.

A pull-request comment is GitHub Flavored Markdown, and a value written there as it is can act:
`@name` notifies a user, `*`, `_`, `[` and `]` make emphasis and links, `|` splits a table cell,
`<` opens HTML, and a fake `<!-- groupfolders:section:... -->` marker would split the sticky
comment (.github/scripts/sticky_comment.js finds its sections by those markers in the raw text).
Inside inline code nothing acts (GitHub makes no @mention there), so every value is inline code:
a backtick code span when it is made of plain characters, else an HTML `<code>` element whose
characters other than ASCII letters, digits and spaces are numeric character references. That form
also holds what a backtick span cannot: a backtick, a `|` in a table (it splits the cell even
inside code), the start of an HTML comment (no `<!--` survives in the raw text) and a line
break; control and other invisible characters are shown as their escapes (`\\n`, `\\u2028`).
"""

from __future__ import annotations

import re
import unicodedata

# Shown as they are inside a backtick code span, in a table cell too: printable ASCII but the
# backtick and `|`. Anything else, and `<!--`, take the `<code>` form.
PLAIN = re.compile(r"[ -_a-{}~]+")
COMMENT = "<!--"
# Kept as they are in the `<code>` form; every other character becomes `&#N;`, for Markdown is
# still parsed between the tags (`_x_` would be emphasis, `www.x` a link). An e-mail address
# there still becomes a mailto link (GitHub decodes the references first): shown as it is,
# and no @mention, which GitHub never makes inside code.
LITERAL = re.compile(r"[A-Za-z0-9 ]")
# Unicode categories shown as escapes: control, format (bidirectional overrides, zero width),
# line and paragraph separators, surrogates, private use and unassigned.
INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def code(text: str) -> str:
    """`text` as inline code that shows exactly it, safe in prose, lists and table cells."""
    spaced = text.startswith(" ") or text.endswith(" ")  # a code span would strip them
    if PLAIN.fullmatch(text) and COMMENT not in text and not spaced:
        return f"`{text}`"
    shown = "".join(_visible(character) for character in text)
    return "<code>" + "".join(c if LITERAL.fullmatch(c) else f"&#{ord(c)};" for c in shown) + "</code>"


def _visible(character: str) -> str:
    """A character that would not be seen (or would end the line) as its escape, e.g. `\\n`."""
    if unicodedata.category(character) in INVISIBLE:
        return character.encode("unicode_escape").decode("ascii")
    return character
