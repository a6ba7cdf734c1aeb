"""What STS accepts as a session tag value, written out from its documentation, for tests.

STS `Tag`: Value, 0-256 characters of `[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`; our folders are ASCII,
so the classes here are ASCII ones. An independent oracle: it shares nothing with
modules/policies/principal_tags.py or the Lambda but the documentation they follow.
"""

from __future__ import annotations

import string

MAX_LENGTH = 256
# Every character class a tag value may hold, with all of its ASCII members.
ALLOWED = {
    "lower-case letters": string.ascii_lowercase,
    "upper-case letters": string.ascii_uppercase,
    "digits": string.digits,
    "space": " ",
    "symbols": "_.:/=+-@",
}
# One of each kind that STS refuses (or that our ASCII folders never hold), by why.
FORBIDDEN = {
    "wildcard *": "*",
    "wildcard ?": "?",
    "policy variable $": "$",
    "braces": "{",
    "ampersand": "&",
    "comma": ",",
    "hash": "#",
    "percent": "%",
    "backslash": "\\",
    "quote": '"',
    "tab": "\t",
    "line break": "\n",
    "non-ASCII letter": "é",
}


def is_session_tag_value(value: str) -> bool:
    allowed = "".join(ALLOWED.values())
    return len(value) <= MAX_LENGTH and all(character in allowed for character in value)


def folder_of_length(length: int, characters: str = "aZ0 _.:=+-@") -> str:
    """A folder (ending in '/') of exactly `length` characters, repeating `characters`."""
    return (characters * length)[: length - 1] + "/"
