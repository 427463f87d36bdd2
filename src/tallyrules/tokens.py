"""The token model: what a token is, as RE2 regular expressions over raw text.

Patterns are not run over a token list: they compile to one regular expression
over the raw text (see :mod:`tallyrules.patterns`), so offsets are exact by
construction.  This module says what the token classes of the rule language
mean, how far apart two tokens may be, and offers :func:`tokenize` for people
(and tests) who want to see the tokens the rules are written against.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import re2

# Letters are those of the Latin script (ASCII, Latin-1, Latin Extended-A/B): Unicode's
# full \pL compiles to thousands of automaton states per use, and rules use letters
# everywhere.  Inside rule regexes \pL, \p{Lu}, \p{Ll} and \pN are rewritten to these
# ranges (see :func:`compact_classes`).
LETTER_RANGES = r"A-Za-z\x{AA}\x{B5}\x{BA}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{24F}"
UPPER_RANGES = r"A-Z\x{C0}-\x{D6}\x{D8}-\x{DE}\x{100}-\x{24F}"
LOWER_RANGES = r"a-z\x{AA}\x{B5}\x{BA}\x{DF}-\x{F6}\x{F8}-\x{24F}"
DIGIT_RANGES = r"0-9"
_CLASS_RANGES = {
    r"\pL": LETTER_RANGES, r"\p{L}": LETTER_RANGES,
    r"\p{Lu}": UPPER_RANGES, r"\p{Ll}": LOWER_RANGES,
    r"\pN": DIGIT_RANGES, r"\p{N}": DIGIT_RANGES, r"\p{Nd}": DIGIT_RANGES,
}


def compact_classes(regex: str) -> str:
    """Rewrite Unicode letter/number classes (\\pL, \\p{Lu}, \\p{Ll}, \\pN) to compact Latin ranges."""
    out: list[str] = []
    index, in_brackets = 0, False
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            for name, ranges in _CLASS_RANGES.items():
                if regex.startswith(name, index):
                    out.append(ranges if in_brackets else f"[{ranges}]")
                    index += len(name)
                    break
            else:
                out.append(regex[index:index + 2])
                index += 2
            continue
        if char == "[" and not in_brackets:
            in_brackets = True
            out.append(char)
            if regex.startswith("^", index + 1):
                out.append("^")
                index += 1
            if regex.startswith("]", index + 1):  # a literal ] right after [ or [^
                out.append("]")
                index += 1
        elif char == "]" and in_brackets:
            in_brackets = False
            out.append(char)
        else:
            out.append(char)
        index += 1
    return "".join(out)


# Whitespace that may separate two tokens: spaces, tabs, non-breaking and thin
# spaces, and at most one line break (a blank line ends a paragraph, and a
# pattern never reaches across paragraphs).
_SPACE = r"[\t\r \x{a0}\x{2009}\x{202f}]"
GAP = rf"{_SPACE}*\n?{_SPACE}*"

_WORD_BODY = r"(?:[\pL\pN]|['’‐\-][\pL\pN])*"


@attrs.frozen
class TokenShape:
    """One alternative of a token class: its regex and whether its edges are word characters.

    The pattern compiler puts a word boundary on an edge only where the edge is a
    word character, so ``NUM "%"`` matches "5%" and ``NUM ~ "bn"`` matches "5bn".
    """

    regex: str  # may hold LEAD where a word boundary goes unless the shape is glued on the left
    starts_word: bool
    ends_word: bool


LEAD = "{lead}"


def _shape(regex: str, starts_word: bool = True, ends_word: bool = True) -> TokenShape:
    return TokenShape(regex, starts_word, ends_word)


def _word(initial_ascii: str, initial_other: str, body: str) -> TokenShape:
    """A word shape.  RE2's \\b only sees ASCII, so the boundary goes before an ASCII
    initial only; a word with another initial (élan) needs none, and words never end
    on a boundary (greedy, longest matching takes the whole word; the matcher rejects
    a match that ends inside one)."""
    return TokenShape(f"(?:{LEAD}[{initial_ascii}]|[{initial_other}]){body}", False, False)


_OTHER_LETTERS = LETTER_RANGES.split("z", 1)[1]
_OTHER_UPPER = UPPER_RANGES.split("Z", 1)[1]
_OTHER_LOWER = LOWER_RANGES.split("z", 1)[1]

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# The built-in token classes.  Each is a tuple of shapes tried in order.
TOKEN_CLASSES: dict[str, tuple[TokenShape, ...]] = {
    "NUM": (_shape(f"(?:{NUMBER})"),),
    "WORD": (_word("A-Za-z", _OTHER_LETTERS, _WORD_BODY),),
    "CAP": (_word("A-Z", _OTHER_UPPER, _WORD_BODY),),
    "LOWER": (_word("a-z", _OTHER_LOWER, _WORD_BODY),),
    "UPPER": (_word("A-Z", _OTHER_UPPER, r"[\p{Lu}\pN&]+"),),
    "ABBR": (_shape(r"(?:\pL\.){2,}|\p{Lu}\pL{0,4}\.", ends_word=False),),
    "ALNUM": (_word("A-Za-z0-9", _OTHER_LETTERS, r"[\pL\pN]*(?:['’‐\-][\pL\pN]+)*"),),
    "PUNCT": (_shape(r"[^\s\pL\pN]", starts_word=False, ends_word=False),),
    "QUOTE": (_shape(r"[\"“”„«»]", starts_word=False, ends_word=False),),
    "OPEN_QUOTE": (_shape(r"[\"“„«]", starts_word=False, ends_word=False),),
    "CLOSE_QUOTE": (_shape(r"[\"”»]", starts_word=False, ends_word=False),),
    "DASH": (_shape(r"[‐‑‒–—―]|--?", starts_word=False, ends_word=False),),
    "ANY": (
        _shape(rf"(?:{NUMBER})"),
        _shape(r"(?:\pL\.){2,}", ends_word=False),
        _word("A-Za-z0-9", _OTHER_LETTERS, r"[\pL\pN]*(?:['’‐\-][\pL\pN]+)*"),
        _shape(r"[^\s\pL\pN]", starts_word=False, ends_word=False),
    ),
}

TOKEN_CLASS_DOCS: dict[str, str] = {
    "NUM": "a number in digits: 6,000 / 1.5 / 2004",
    "WORD": "a word starting with a letter, hyphens and apostrophes inside: one-third, group's",
    "CAP": "a word starting with a capital letter",
    "LOWER": "a word starting with a lower-case letter",
    "UPPER": "a word in capitals (two or more): ISIS, NATO",
    "ABBR": "an abbreviation with periods: U.S., Gen., Sept.",
    "ALNUM": "letters and digits together: G8, 747s, MP3",
    "PUNCT": "one punctuation or symbol character: , . % $",
    "QUOTE": "a double quote mark, straight or curly",
    "OPEN_QUOTE": "an opening double quote mark",
    "CLOSE_QUOTE": "a closing double quote mark",
    "DASH": "a dash: hyphen-minus pair, en or em dash",
    "ANY": "any single token",
}

# Characters a literal treats as the same: straight and curly apostrophes and quotes,
# and the hyphens news text uses inside words.
CHARACTER_VARIANTS: dict[str, str] = {
    "'": "['’‘]",
    "’": "['’‘]",
    "‘": "['’‘]",
    '"': "[\"“”]",
    "“": "[\"“”]",
    "”": "[\"“”]",
    "-": "[-‐‑–]",
    "‐": "[-‐‑–]",
}


@attrs.frozen
class Token:
    """A token of the text with its exact character offsets."""

    text: str
    start: int
    end: int
    kind: str


_TOKENIZER = re2.compile(compact_classes(
    "|".join(
        f"(?P<{name}>{regex})"
        for name, regex in (
            ("NUM", NUMBER),
            ("ABBR", r"(?:\pL\.){2,}"),
            ("WORD", rf"\pL{_WORD_BODY}"),
            ("ALNUM", r"[\pL\pN]+"),
            ("PUNCT", r"[^\s\pL\pN]"),
        )
    )
))


def tokenize(text: str) -> Iterator[Token]:
    """Yield the tokens of ``text`` as the token classes see them.

    >>> [t.text for t in tokenize("U.S. officials said 6,000 fighters—one-third.")]
    ['U.S.', 'officials', 'said', '6,000', 'fighters', '—', 'one-third', '.']
    """
    names = {index: name for name, index in _TOKENIZER.groupindex.items()}
    for match in _TOKENIZER.finditer(text):
        kind = next((names[i] for i in range(1, len(names) + 1) if match.group(i) is not None), "PUNCT")
        yield Token(match.group(0), match.start(), match.end(), kind)
