"""Compile token patterns into RE2 regular expressions over the raw text.

Why RE2: it runs in time linear in the input for every regular expression (it
builds automata; it never backtracks), so no pattern a rule author writes can
make matching blow up.  The price is no look-around and no back-references,
which the rule language does not offer.

How a pattern becomes a regex:

* every token element becomes a regex of that token, with a word boundary on
  each edge that is an ASCII letter or digit (RE2's ``\\b`` sees no other; the
  matcher rejects matches that start or end inside a word), so ``"more" "than"``
  cannot match inside "furthermore", unless the edge is glued to its neighbour with ``~``;
* elements in a sequence are joined by :data:`tokens.GAP` (optional
  whitespace, at most one line break);
* ``@name`` naming a fragment is replaced by the fragment's pattern (a macro,
  matched in context); ``@name`` naming a kind or an emitted rule becomes a
  *mask token*: those rules run first, and each span they matched is written
  into a shadow copy of the text as one private-use character followed by
  fillers (same length, so offsets stay exact) that the pattern matches as a
  unit (a cascade).  The compiler rejects reference cycles first;
* captures become named groups ``g1, g2, ...`` and references ``r1, r2, ...``,
  so the matcher can find the span each one covered.
"""

from __future__ import annotations

import functools
import re
import warnings

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # Python 3.10
    import sre_parse  # type: ignore[no-redef]
from collections.abc import Callable

import attrs
import re2

from . import ast
from .errors import RuleError
from .lexicons import Lexicon
from .tokens import CHARACTER_VARIANTS, GAP, LEAD, TOKEN_CLASSES, compact_classes

MAX_REPEAT = 1000  # RE2's own limit on counted repetition
MAX_DEPTH = 200  # deeper nesting is surely a mistake, and would exhaust the stack


@attrs.frozen
class Group:
    """What a named group of a rule's regex stands for."""

    name: str  # the regex group name, e.g. "g3" or "r1"
    capture: str | None  # the capture name in the rule, None for a bare reference
    reference: str | None  # the referenced name when the element is ``@name``


@attrs.define
class EmitContext:
    """State of one emission: whether to create groups, and the groups made so far."""

    with_groups: bool
    groups: list[Group] = attrs.Factory(list)

    def new_group(self, prefix: str, capture: str | None, reference: str | None) -> str:
        name = f"{prefix}{len(self.groups) + 1}"
        self.groups.append(Group(name, capture, reference))
        return name


def _error(message: str, at: ast.Location, hint: str = "") -> RuleError:
    return RuleError(message, file=at.file, line=at.line, column=at.column, hint=hint)


def _bounded(code: str, starts_word: bool, ends_word: bool, glued_left: bool, glued_right: bool) -> str:
    lead = r"\b" if starts_word and not glued_left else ""
    trail = r"\b" if ends_word and not glued_right else ""
    return f"{lead}{code}{trail}"


@functools.cache
def _escape(char: str) -> str:
    """One character as an RE2 literal (cached: literals and lexicons escape thousands of characters)."""
    return str(re2.escape(char))


def _ascii_word(char: str) -> bool:
    """Whether RE2's (ASCII) \\b can mark this edge; other letters rely on the matcher's check."""
    return char.isascii() and char.isalnum()


def literal_regex(text: str, cased: bool, glued_left: bool = False, glued_right: bool = False) -> str:
    """The regex of a literal: its words joined by gaps, quotes and hyphens loosened."""
    words = text.split()
    parts = []
    for index, word in enumerate(words):
        body = "".join(CHARACTER_VARIANTS.get(char) or _escape(char) for char in word)
        parts.append(
            _bounded(
                body,
                _ascii_word(word[0]),
                _ascii_word(word[-1]),
                glued_left and index == 0,
                glued_right and index == len(words) - 1,
            )
        )
    code = GAP.join(parts)
    return code if cased else f"(?i:{code})"


def _edge_is_word(items: list, first: bool) -> bool | None:
    """Whether a parsed regex starts (or ends) with a word character: True, False or unknown."""
    if not items:
        return None
    op, value = items[0] if first else items[-1]
    name = str(op)
    if name == "LITERAL":
        return _ascii_word(chr(value))
    if name == "IN":
        kinds = set()
        for item_op, item_value in value:
            item_name = str(item_op)
            if item_name == "LITERAL":
                kinds.add(_ascii_word(chr(item_value)))
            elif item_name == "RANGE":
                kinds.add(_ascii_word(chr(item_value[0])) and _ascii_word(chr(item_value[1])))
            elif item_name == "CATEGORY":
                kinds.add(str(item_value) in ("CATEGORY_DIGIT", "CATEGORY_WORD"))
            else:
                return None
        return kinds.pop() if len(kinds) == 1 else None
    if name == "SUBPATTERN":
        return _edge_is_word(list(value[-1]), first)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, sub = value
        return _edge_is_word(list(sub), first) if low > 0 else None
    if name == "BRANCH":
        answers = {_edge_is_word(list(branch), first) for branch in value[1]}
        return answers.pop() if len(answers) == 1 else None
    if name == "CATEGORY":
        return str(value) in ("CATEGORY_DIGIT", "CATEGORY_WORD")
    return None


def _regex_edges(source: str) -> tuple[bool, bool]:
    """Guess whether a user regex begins and ends with word characters (unknown: no boundary)."""
    python_source = source.replace(r"\pL", "a").replace(r"\pN", "0").replace(r"\p{Lu}", "A").replace(r"\p{Ll}", "a")
    try:
        with warnings.catch_warnings():  # Python's parser warns about RE2 syntax it reads differently ([[:alpha:]])
            warnings.simplefilter("ignore")
            parsed = list(sre_parse.parse(python_source))
    except (re.error, OverflowError, RecursionError):
        return (False, False)
    return (bool(_edge_is_word(parsed, True)), bool(_edge_is_word(parsed, False)))


_QUIET = re2.Options()
_QUIET.log_errors = False  # an invalid regex is reported as a RuleError, not also by RE2 on standard error


def check_regex(source: str, ignore_case: bool, at: ast.Location) -> str:
    """Validate a user regex as RE2 syntax and return it ready to embed."""
    if re.search(r"\(\?P?<[A-Za-z_]", source):
        raise _error("a regex atom may not contain named groups; use a capture `name:/.../` instead", at)
    try:
        re2.compile(source, _QUIET)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise _error(f"invalid regular expression /{source}/: {reason}", at,
                     hint="regexes use RE2 syntax: no look-around and no back-references") from None
    source = without_private_use(compact_classes(source), mask_units=True)
    return f"(?i:{source})" if ignore_case else f"(?:{source})"


def complement_regex(lexicon: Lexicon) -> str:
    """A regex for any single word token that is not an entry of ``lexicon``.

    The complement of a finite word set is regular: walk a trie of the entries
    and, at each node, allow a letter that leaves the trie, the end of the word
    where the node is not an entry, or a child letter that stays in it.  Words
    are ASCII letters and digits here (``\\w``), which keeps the automaton small.
    """
    trie: dict = {}
    for entry in lexicon.values:
        node = trie
        for char in entry:
            node = node.setdefault(char, {})
        node[""] = True

    def variants(char: str) -> str:
        chars = {char} if lexicon.cased else {char.lower(), char.upper()}
        return "".join(re2.escape(c) for c in sorted(chars))

    def walk(node: dict, depth: int) -> str:
        children = sorted(key for key in node if key)
        options = []
        if depth > 0 and "" not in node:
            options.append(r"\b")
        excluded = "".join(variants(c) for c in children)
        first = "[^\\W_" + ("" if depth else "\\d") + excluded + "]"
        options.append(first + r"\w*\b")
        for child in children:
            options.append(f"[{variants(child)}]" + walk(node[child], depth + 1))
        return "(?:" + "|".join(options) + ")"

    return r"\b" + walk(trie, 0)


# ---- what a user's pattern may see -------------------------------------------------------------
PRIVATE_FIRST, PRIVATE_LAST = 0xE000, 0xF8FF  # the mask characters and the filler lie in here
MASK_UNIT = r"[\x{e000}-\x{f8fe}]\x{f8ff}*"  # one whole masked span, of any mask set
_LITERAL_IN_CLASS = {"-": r"\-", "]": r"\]", "^": r"\^"}
_PRIVATE = r"\x{e000}-\x{f8ff}"
# escapes that match characters outside what they name: each becomes a negated class of its complement
_NEGATED_ESCAPES = {"D": r"\d", "S": r"\s", "W": r"\w"}
# Unicode classes that hold the private-use area
_CLASSES_WITH_PRIVATE = {"C", "Co", "Any"}


def _escape_at(regex: str, index: int) -> int:
    """The end of the escape sequence starting at ``regex[index] == '\\\\'``."""
    if index + 1 >= len(regex):
        return len(regex)
    kind = regex[index + 1]
    if kind in "pPx" and regex.startswith("{", index + 2):
        close = regex.find("}", index + 3)
        return len(regex) if close == -1 else close + 1
    if kind == "x":
        return min(index + 4, len(regex))
    if kind in "pP":
        return min(index + 3, len(regex))
    return index + 2


def _code_point(escape: str) -> int | None:
    """The character a literal escape or character stands for, None if it is not one."""
    if len(escape) == 1:
        return ord(escape)
    if escape.startswith(r"\x{"):
        try:
            return int(escape[3:-1], 16)
        except ValueError:
            return None
    if escape.startswith(r"\x") and len(escape) == 4:
        try:
            return int(escape[2:], 16)
        except ValueError:
            return None
    if len(escape) == 2 and not escape[1].isalnum():
        return ord(escape[1])
    return None


def _unicode_class(escape: str) -> tuple[str, bool] | None:
    """For ``\\pX``, ``\\p{X}``, ``\\PX``, ``\\p{^X}``: (the class name, whether negated)."""
    if len(escape) < 3 or escape[1] not in "pP":
        return None
    name = escape[3:-1] if escape[2] == "{" else escape[2]
    negated = escape[1] == "P"
    if name.startswith("^"):
        name, negated = name[1:], not negated
    return name, negated


def _outside(item: str) -> str | None:
    """For one item of a character class or one escape: a negated class standing for what it matches
    but the private-use area, or None when it cannot match a private-use character."""
    if len(item) == 2 and item[0] == "\\" and item[1] in _NEGATED_ESCAPES:
        return f"[^{_NEGATED_ESCAPES[item[1]]}{_PRIVATE}]"
    if item == r"\C":
        return f"[^{_PRIVATE}]"
    named = _unicode_class(item)
    if named is not None:
        name, negated = named
        if negated:  # everything but a class: the private area is in it unless the class is one of its own
            return None if name in _CLASSES_WITH_PRIVATE else f"[^\\p{{{name}}}{_PRIVATE}]"
        return f"[^\\P{{{name}}}{_PRIVATE}]" if name in _CLASSES_WITH_PRIVATE else None
    if item.startswith("[:^"):
        return f"[^[:{item[3:]}{_PRIVATE}]"
    return None


def _char(code: int) -> str:
    return f"\\x{{{code:x}}}"


def _split_range(low: int, high: int) -> list[str]:
    """The parts of ``low-high`` outside the private-use area, as class items."""
    parts = []
    if low < PRIVATE_FIRST:
        parts.append(f"{_char(low)}-{_char(min(high, PRIVATE_FIRST - 1))}")
    if high > PRIVATE_LAST:
        parts.append(f"{_char(max(low, PRIVATE_LAST + 1))}-{_char(high)}")
    return parts


def _class(regex: str, index: int, mask_units: bool) -> tuple[str, int]:
    """Rewrite the character class starting at ``regex[index] == '['``; return it and the index after it."""
    position = index + 1
    negated = regex.startswith("^", position)
    position += negated
    items: list[str] = []
    first = True
    while position < len(regex) and (regex[position] != "]" or first):
        first = False
        if regex.startswith("[:", position):
            close = regex.find(":]", position + 2)
            end = len(regex) if close == -1 else close + 2
        elif regex[position] == "\\":
            end = _escape_at(regex, position)
        else:
            end = position + 1
        item = regex[position:end]
        position = end
        if regex.startswith("-", position) and not regex.startswith("-]", position) and position + 1 < len(regex):
            high_end = _escape_at(regex, position + 1) if regex[position + 1] == "\\" else position + 2
            items.append(item + regex[position:high_end])
            position = high_end
        else:
            items.append(item)
    end = min(position + 1, len(regex))
    # rebuilt classes add items around these: a bare '-', ']' or '^' must not change meaning
    items = [_LITERAL_IN_CLASS.get(item, item) for item in items]
    if negated:
        return _or_unit("[^" + "".join(items) + _PRIVATE + "]", mask_units), end
    kept: list[str] = []
    alternatives: list[str] = []
    for item in items:
        low_text, dash, high_text = item.partition("-") if not item.startswith("-") else (item, "", "")
        if dash and high_text:
            low, high = _code_point(low_text), _code_point(high_text)
            if low is not None and high is not None and low <= PRIVATE_LAST and high >= PRIVATE_FIRST:
                kept.extend(_split_range(low, high))
                continue
        code = _code_point(item)
        if code is not None and PRIVATE_FIRST <= code <= PRIVATE_LAST:
            continue
        outside = _outside(item)
        if outside is None:
            kept.append(item)
        else:
            alternatives.append(outside)
    if not alternatives and len(kept) == len(items):
        return regex[index:end], end
    if kept:
        alternatives.insert(0, "[" + "".join(kept) + "]")
    if alternatives and mask_units:
        alternatives.append(MASK_UNIT)
    if not alternatives:
        return r"[^\x00-\x{10ffff}]", end
    return "(?:" + "|".join(alternatives) + ")", end


def _or_unit(code: str, mask_units: bool) -> str:
    return f"(?:{code}|{MASK_UNIT})" if mask_units else code


@functools.cache
def without_private_use(regex: str, mask_units: bool = False) -> str:
    """``regex`` rewritten so that no part of it can match a private-use character (U+E000..U+F8FF).

    The matcher writes the spans of referenced rules into a shadow of the text as private-use
    mask and filler characters (:func:`mask_token` matches them); a user's regex or a token class
    must never see them one by one, or it could take a piece of a masked span (``@num PUNCT``
    read "6000" as "600" and "0").  The text itself never holds them: the matcher replaces
    private-use characters of a document with U+FFFD before matching.

    With ``mask_units``, what matched "any character but ..." (``.``, ``[^...]``, ``\\S``...)
    matches a whole masked span as one unit instead, never a part of it: a user regex such as
    ``/[^"]{1,600}/`` reads across the referenced spans inside a quotation.  Token classes are
    rewritten without it: a masked span is no punctuation mark.
    """
    dotall = re.search(r"\(\?[a-zA-Z]*s[a-zA-Z]*[:)]", regex) is not None
    out: list[str] = []
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            if regex.startswith(r"\Q", index):
                close = regex.find(r"\E", index)
                end = len(regex) if close == -1 else close + 2
                out.append(regex[index:end])
                index = end
                continue
            end = _escape_at(regex, index)
            escape = regex[index:end]
            code = _code_point(escape)
            if code is not None and PRIVATE_FIRST <= code <= PRIVATE_LAST:
                out.append(r"\x{fffd}")  # what a private-use character of a document became
            else:
                outside = _outside(escape)
                out.append(escape if outside is None else _or_unit(outside, mask_units))
            index = end
        elif char == "[":
            rewritten, index = _class(regex, index, mask_units)
            out.append(rewritten)
        elif char == ".":
            out.append(_or_unit(f"[^{_PRIVATE}]" if dotall else f"[^\\n{_PRIVATE}]", mask_units))
            index += 1
        elif PRIVATE_FIRST <= ord(char) <= PRIVATE_LAST:
            out.append(r"\x{fffd}")
            index += 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


MASK_BASE = 0xE000  # first private-use code point used as a mask
FILLER = "\uf8ff"  # fills the rest of a masked span
MAX_MASKS = 0xF8FF - MASK_BASE
# every mask character and the filler take this many bytes in UTF-8 (all in U+E000..U+F8FF)
MASK_WIDTH = len(FILLER.encode("utf-8"))


def mask_char(mask: int) -> str:
    """The character that stands for the start of a span of mask set ``mask``."""
    return chr(MASK_BASE + mask)


def mask_token(mask: int) -> str:
    """The regex matching one masked span of mask set ``mask``."""
    return f"(?:\\x{{{MASK_BASE + mask:x}}}\\x{{f8ff}}*)"


class PatternEmitter:
    """Emit the regex of one pattern.

    ``lexicon`` resolves a lexicon name to a :class:`Lexicon`; ``reference``
    returns the regex (without groups) standing for ``@name``, glued on the
    given sides: the inlined pattern of a fragment, or a mask token.  Both raise
    :class:`RuleError` for an unknown name.
    """

    gap = GAP  # what lies between two elements of a sequence

    def __init__(
        self,
        lexicon: Callable[[str, ast.Location], Lexicon],
        reference: Callable[[str, ast.Location, bool, bool], str],
        lexicon_cache: dict[tuple[int, bool, bool, bool], str] | None = None,
    ) -> None:
        self._lexicon = lexicon
        self._inline = reference
        # shared between emitters of one compilation: a lexicon's regex is built once
        self._lexicon_cache = lexicon_cache if lexicon_cache is not None else {}

    def emit(self, node: ast.Pattern, context: EmitContext, glued_left: bool = False,
             glued_right: bool = False, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise _error(f"pattern is nested more than {MAX_DEPTH} levels deep", node.at)
        deeper = depth + 1
        if isinstance(node, ast.Literal):
            if not node.text.split():
                raise _error("an empty literal matches nothing", node.at)
            return self._literal(node.text, node.cased, glued_left, glued_right)
        if isinstance(node, ast.Regex):
            starts, ends = _regex_edges(node.source)
            return _bounded(check_regex(node.source, node.ignore_case, node.at), starts, ends, glued_left, glued_right)
        if isinstance(node, ast.TokenClass):
            return self._token_class(node, glued_left, glued_right)
        if isinstance(node, ast.LexiconRef):
            return self._lexicon_regex(node, glued_left, glued_right)
        if isinstance(node, ast.RuleRef):
            code = self._inline(node.name, node.at, glued_left, glued_right)
            if context.with_groups:
                return f"(?P<{context.new_group('r', None, node.name)}>{code})"
            return code
        if isinstance(node, ast.Capture):
            optional = _optional_form(node)
            if optional is not None:
                # an absent capture stays unset: the group matches at least once or not at all, so
                # `x:/-/? ~ NUM` on "5" leaves x absent instead of capturing an empty span
                return f"(?:{self.emit(optional, context, glued_left, glued_right, deeper)})?"
            reference = _referenced_name(node.item)
            if context.with_groups:
                group = context.new_group("g", node.name, reference)
                if isinstance(node.item, ast.RuleRef):
                    # the capture itself records the reference; no extra group for it
                    code = self._inline(node.item.name, node.item.at, glued_left, glued_right)
                else:
                    code = self.emit(node.item, context, glued_left, glued_right, deeper)
                return f"(?P<{group}>{code})"
            return self.emit(node.item, context, glued_left, glued_right, deeper)
        if isinstance(node, ast.Alternation):
            return "(?:" + "|".join(self.emit(o, context, glued_left, glued_right, deeper) for o in node.options) + ")"
        if isinstance(node, ast.Glued):
            last = len(node.items) - 1
            return "".join(
                self.emit(item, context, glued_left or i > 0, glued_right or i < last, deeper)
                for i, item in enumerate(node.items)
            )
        if isinstance(node, ast.Sequence):
            return self._sequence(node, context, glued_left, glued_right, deeper)
        if isinstance(node, ast.Repeat):
            return self._repeat(node, context, glued_left, glued_right, deeper)
        raise _error(f"unsupported pattern element {type(node).__name__}", node.at)

    def _literal(self, text: str, cased: bool, glued_left: bool, glued_right: bool) -> str:
        return literal_regex(text, cased, glued_left, glued_right)

    def _sequence(self, node: ast.Sequence, context: EmitContext, glued_left: bool, glued_right: bool,
                  depth: int) -> str:
        last = len(node.items) - 1
        out = []
        for index, item in enumerate(node.items):
            left = glued_left and index == 0
            right = glued_right and index == last
            optional = _optional_form(item)
            if optional is not None:
                # an element that may be absent carries its own gap, so that its absence leaves one gap
                code = self.emit(optional, context, left, right, depth)
                out.append(f"(?:{self.gap}{code})?" if index else f"(?:{code}{self.gap})?")
            else:
                code = self.emit(item, context, left, right, depth)
                after_optional_start = index == 1 and _optional_form(node.items[0]) is not None
                out.append(f"{self.gap}{code}" if index and not after_optional_start else code)
        return "".join(out)

    def _repeat(self, node: ast.Repeat, context: EmitContext, glued_left: bool, glued_right: bool,
                depth: int) -> str:
        low, high = node.low, node.high
        if high is not None and (high > MAX_REPEAT or low > high):
            raise _error(f"repetition {{{low},{high}}} must have 0 <= low <= high <= {MAX_REPEAT}", node.at)
        if low > MAX_REPEAT:
            raise _error(f"repetition {{{low},}} must have low <= {MAX_REPEAT}", node.at)
        item = self.emit(node.item, context, glued_left, glued_right, depth)
        if high == 0:
            return ""
        more = f"(?:{self.gap}{item})"  # each further repetition, after a gap
        rest_low = max(low - 1, 0)
        if high is None:
            rest = more + ("*" if rest_low == 0 else f"{{{rest_low},}}")
        elif high == 1:
            rest = ""
        else:
            rest = more + (f"{{{rest_low}}}" if high - 1 == rest_low else f"{{{rest_low},{high - 1}}}")
        code = f"(?:{item}{rest})"
        return code if low > 0 else f"{code}?"

    def _token_class(self, node: ast.TokenClass, glued_left: bool, glued_right: bool) -> str:
        shapes = TOKEN_CLASSES.get(node.name)
        if shapes is None:
            known = ", ".join(sorted(TOKEN_CLASSES))
            hint = f'words are quoted: "{node.name}"' if node.name.islower() else f"token classes are: {known}"
            raise _error(f"unknown token class {node.name!r}", node.at, hint=hint)
        parts = [
            _bounded(without_private_use(compact_classes(shape.regex.replace(LEAD, "" if glued_left else r"\b"))),
                     shape.starts_word, shape.ends_word, glued_left, glued_right)
            for shape in shapes
        ]
        return "(?:" + "|".join(parts) + ")"

    def _lexicon_regex(self, node: ast.LexiconRef, glued_left: bool, glued_right: bool) -> str:
        lexicon = self._lexicon(node.name, node.at)
        key = (id(lexicon), node.negated, glued_left, glued_right)
        if key in self._lexicon_cache:
            return self._lexicon_cache[key]
        if node.negated:
            if any(len(entry.split()) != 1 for entry in lexicon.values):
                raise _error(f"!<{node.name}> needs a lexicon of single words", node.at)
            code = complement_regex(lexicon)
        elif not lexicon.entries:
            code = r"[^\x00-\x{10FFFF}]"  # an empty lexicon matches nothing
        else:
            # longest entries first; RE2 factors the common prefixes itself
            entries = sorted(lexicon.entries, key=lambda e: (-len(e), e))
            code = "(?:" + "|".join(self._literal(e, lexicon.cased, glued_left, glued_right) for e in entries) + ")"
        self._lexicon_cache[key] = code
        return code


def _referenced_name(node: ast.Pattern) -> str | None:
    """The rule a capture stands for: ``n:@x`` and ``n:@x?`` capture the result of ``@x``."""
    if isinstance(node, ast.RuleRef):
        return node.name
    if isinstance(node, ast.Repeat) and node.high == 1 and isinstance(node.item, ast.RuleRef):
        return node.item.name
    return None


def _optional_form(node: ast.Pattern) -> ast.Pattern | None:
    """For an element that may match nothing (``x?``, ``x*``), the form that matches at least once."""
    if isinstance(node, ast.Repeat) and node.low == 0 and node.high != 0:
        return attrs.evolve(node, low=1)
    if isinstance(node, ast.Capture):
        inner = _optional_form(node.item)
        return attrs.evolve(node, item=inner) if inner is not None else None
    return None


def large_pattern_hint(pattern: ast.Pattern | None) -> str:
    """What to do about a pattern that compiles too large: a large lexicon is the usual cause, else
    fragments copied into it."""
    lexicons: dict[str, None] = {}
    for node in ast.pattern_nodes(pattern):
        if isinstance(node, ast.LexiconRef):
            lexicons.setdefault(("!" if node.negated else "") + f"<{node.name}>")
    fragments = ("refer to a kind (@kind) instead of a fragment by name: a kind is matched once and stands as "
                 "one unit, a fragment is copied into every pattern that names it")
    if not lexicons:
        return fragments
    return (f"a large lexicon ({', '.join(lexicons)}) makes a large regex: match it in a rule of its own and "
            f"refer to that rule's kind (@kind), or shorten it; else {fragments}")

