"""Lexicons: word sets with optional values, from a rule file or a word-list file.

A word-list file has one entry a line; ``#`` starts a comment; an entry may be
followed by a tab and a value (a JSON number, string, true/false/null, or bare
text).  Entries of several words match with any whitespace between the words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import attrs

from .safe_files import MAX_LEXICON_FILE_BYTES, read_text

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-", "‑": "-", "–": "-", "\u00a0": " "})


def normalize_key(text: str, cased: bool = False) -> str:
    """The form in which a lexicon stores and looks up an entry."""
    if not text.isascii():  # ASCII is in NFC already and holds nothing to fold
        text = unicodedata.normalize("NFC", text).translate(_FOLD)
    text = " ".join(text.split())
    return text if cased else text.lower()


@attrs.frozen
class Lexicon:
    """A compiled lexicon: entries in file order and their values by normalized key."""

    name: str
    cased: bool
    entries: tuple[str, ...]
    values: dict[str, object] = attrs.field(eq=False)

    def lookup(self, text: str, default: object = None) -> object:
        """The value stored for ``text``, or ``default`` when it is not an entry."""
        return self.values.get(normalize_key(text, self.cased), default)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and normalize_key(text, self.cased) in self.values


NO_VALUE = "\x00no value"  # marks an entry written without a value (an explicit null stays null)


def build_lexicon(name: str, cased: bool, entries: list[tuple[str, object]]) -> Lexicon:
    """Make a :class:`Lexicon`; an entry without a value maps to its own text."""
    values: dict[str, object] = {}
    ordered: list[str] = []
    for entry, value in entries:
        key = normalize_key(entry, cased)
        if not key:
            continue
        if key not in values:
            ordered.append(" ".join(entry.split()))
        values[key] = entry if value == NO_VALUE else value
    return Lexicon(name, cased, tuple(ordered), values)


# what a JSON value can start with, for Python's json module (NaN, Infinity and -Infinity included)
_JSON_STARTS = frozenset('"{[-0123456789tfnNI')


def _parse_value(raw: str) -> object:
    raw = raw.strip()
    if not raw:
        return NO_VALUE
    if raw[0] not in _JSON_STARTS:  # bare text, which json.loads would refuse (slowly, by raising)
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


_COMMENT = re.compile(r"(^|\s)#.*$")


def read_word_list(path: Path) -> list[tuple[str, object]]:
    """Read a word-list file; raises OSError when unreadable (not a regular file, too large, not UTF-8)."""
    entries: list[tuple[str, object]] = []
    for line in read_text(path, MAX_LEXICON_FILE_BYTES).splitlines():
        if "#" in line:
            line = _COMMENT.sub("", line)
        line = line.rstrip()
        if not line.strip():
            continue
        entry, _, value = line.partition("\t")
        entries.append((entry.strip(), _parse_value(value)))
    return entries
