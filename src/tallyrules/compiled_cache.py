"""An on-disk cache of compiled patterns, so that a warm start never emits a regex.

Why: with the parse cache warm, writing each rule's regex from the grown lexicons,
numbering its groups and finding its prefilter clauses were most of ``Engine.default()``.

What is stored, for one exact set of loaded rule files: for every rule, in evaluation
order, what its pattern compiles to (:class:`CompiledPattern`: the regex source, its
groups, the mask sets it reads, its required-mask and anchor clauses, its references, its
template over unit strings), the mask sets, the tables the unit templates refer to (sets of
units, vocabulary), and which lexicons the patterns and expressions use (for the "never used"
warning).  Nothing else: expressions are compiled to closures and examples checked on
every start, as without the cache.

The key covers every input of those results, taken after the files are loaded:

* every loaded file in load order: its pack, pack root, path, module name and text (so
  its tree, which the parse cache keys the same way), and the files it imports;
* every lexicon of every file as the patterns see it, after every ``extend lexicon`` from
  any pack: its name, case, entries and keys (so an edit of a word-list file, of a lexicon
  written inline or of an extension in another pack is a miss);
* the engine: the source of every module of the package, its grammar and data files, and
  the versions of Python, RE2 and the parser (:func:`tallyrules.syntax_cache.engine_fingerprint`).

Only a set of files that compiled without an error is stored, and an entry is used only
when the files load and resolve without one.  Storage is the parse cache's
(:mod:`tallyrules.syntax_cache`): JSON only, never pickle, in a private subdirectory
``compiled/`` of the owner-only cache directory, written atomically; an entry of the
wrong shape, with a value of the wrong type or an index out of range is a miss, as is any
problem reading it.  ``TALLYRULES_CACHE=0`` turns it off with the parse cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from . import syntax_cache
from .loader import Unit
from .patterns import Group
from .prefilter import Anchor
from .resolution import Reference, Resolution

if TYPE_CHECKING:
    from .compiler import CompiledRule
    from .units import UnitSet, VocabularyKey

KIND = "compiled"
FORMAT = 2  # bump when the payload's layout changes (changes to the code are covered by the key)


@attrs.frozen
class CompiledPattern:
    """What a rule's pattern compiles to, given the loaded files."""

    source: str  # the RE2 regex, fragments inlined
    regex_groups: tuple[str | None, ...]  # its capturing groups in index order (regex.capture_groups)
    groups: tuple[Group, ...]  # the named groups the emitter made, in order
    masks: tuple[int, ...]  # the mask sets the regex reads
    required_masks: tuple[frozenset[int], ...]
    anchors: tuple[frozenset[Anchor], ...]
    references: tuple[tuple[str, Reference], ...]  # group name -> what it refers to
    unit_template: str | None = None  # the pattern over unit strings, when it is unit-level


class _Miss(Exception):
    """An entry that cannot be used."""


class CompiledCache:
    """The cache entry of the files ``order`` (loaded, lexicons extended) resolved by ``resolution``."""

    def __init__(self, order: Sequence[Unit], resolution: Resolution) -> None:
        self.order = order
        self.resolution = resolution
        self.key = syntax_cache.document_key(KIND, self._key_parts())
        # what the unit templates refer to, once an entry is loaded
        self.unit_sets: tuple[UnitSet, ...] = ()
        self.unit_words: tuple[VocabularyKey, ...] = ()

    def _key_parts(self) -> Iterator[str]:
        position = {id(unit): index for index, unit in enumerate(self.order)}
        yield f"format {FORMAT}"
        for unit in self.order:
            source = unit.source
            yield json.dumps(["file", source.pack, str(source.root), str(source.path), unit.module,
                              source.text is None, [position[id(imported)] for imported in unit.imports]])
            yield unit.text
            for name, lexicon in unit.lexicons.items():
                yield json.dumps(["lexicon", name, lexicon.cased, lexicon.entries, list(lexicon.values)])

    # ---- reading --------------------------------------------------------
    def load(self) -> list[CompiledPattern] | None:
        """Every rule's pattern, in evaluation order, or None (a miss).  On a hit the resolution
        gets the mask sets and the used lexicons that compiling the patterns would have given it."""
        if self.key is None:
            return None
        payload = syntax_cache.load_document(KIND, self.key)
        if payload is None:
            return None
        try:
            patterns, mask_sets, used = self._decode(payload)
            unit_sets, unit_words = _unit_tables(payload[3], payload[4])
            if any(pattern.unit_template is not None and not _placeholders_within(pattern.unit_template, len(unit_sets))
                   for pattern in patterns):
                raise _Miss("a unit template refers to a set that is not there")
        except (_Miss, TypeError, ValueError, KeyError, IndexError):
            return None
        self.unit_sets, self.unit_words = unit_sets, unit_words
        self.resolution.mask_ids = {targets: mask for mask, targets in enumerate(mask_sets)}
        self.resolution.used_lexicons.update(used)
        return patterns

    def _decode(self, payload: Any) -> tuple[list[CompiledPattern], list[tuple[int, ...]], list[int]]:
        rule_count = len(self.resolution.rule_list)
        rules, mask_sets, used, _unit_sets, _unit_words = _fields(payload, 5)
        mask_sets = [_ints(targets, rule_count) for targets in _list(mask_sets)]
        if len(set(mask_sets)) != len(mask_sets):
            raise _Miss("a mask set twice")
        mask_count = len(mask_sets)
        lexicons = []
        for pair in _list(used):
            unit_index, name = _fields(pair, 2)
            unit = self.order[_index(unit_index, len(self.order))]
            lexicons.append(id(unit.lexicons[_str(name)]))
        patterns = [self._pattern(rule, rule_count, mask_count) for rule in _list(rules)]
        if len(patterns) != rule_count:
            raise _Miss("not one pattern per rule")
        return patterns, mask_sets, lexicons

    @staticmethod
    def _pattern(encoded: Any, rule_count: int, mask_count: int) -> CompiledPattern:
        source, regex_groups, groups, masks, required_masks, anchors, references, unit_template = _fields(encoded, 8)
        regex_groups = tuple(_optional_str(name) for name in _list(regex_groups))
        group_list = []
        for group in _list(groups):
            name, capture, reference = _fields(group, 3)
            group_list.append(Group(_str(name), _optional_str(capture), _optional_str(reference)))
        named = set(regex_groups)
        if any(group.name not in named for group in group_list):
            raise _Miss("a group the regex does not have")
        reference_list = []
        for item in _list(references):
            name, inline, targets, mask = _fields(item, 4)
            if type(inline) is not bool:
                raise _Miss("not a bool")
            reference_list.append((_str(name), Reference(inline, _ints(targets, rule_count),
                                                         None if mask is None else _index(mask, mask_count))))
        return CompiledPattern(
            source=_str(source),
            regex_groups=regex_groups,
            groups=tuple(group_list),
            masks=_ints(masks, mask_count),
            required_masks=tuple(frozenset(_ints(clause, mask_count)) for clause in _list(required_masks)),
            anchors=tuple(frozenset(_anchor(anchor, rule_count) for anchor in _list(clause))
                          for clause in _list(anchors)),
            references=tuple(reference_list),
            unit_template=_optional_str(unit_template),
        )

    # ---- writing --------------------------------------------------------
    def store(self, rules: Sequence[CompiledRule], unit_sets: Sequence[UnitSet] = (),
              unit_words: Sequence[VocabularyKey] = ()) -> None:
        """Store the patterns of ``rules`` (every rule of the files, compiled without an error)
        and the tables their unit templates refer to."""
        if self.key is None or len(rules) != len(self.resolution.rule_list):
            return
        used = [[index, name] for index, unit in enumerate(self.order) for name, lexicon in unit.lexicons.items()
                if id(lexicon) in self.resolution.used_lexicons]
        payload = [[_encode(rule) for rule in rules], [list(targets) for targets in self.resolution.mask_sets], used,
                   [[[required, excluded, word, sorted(not_words)] for required, excluded, word, not_words in units]
                    for units in unit_sets],
                   [[key, cased] for key, cased in unit_words]]
        syntax_cache.store_document(KIND, self.key, payload)


def _encode(rule: CompiledRule) -> list[Any]:
    return [
        rule.pattern_source,
        list(rule.search.groups),
        [[group.name, group.capture, group.reference] for _index, group in rule.groups],
        list(rule.masks),
        [sorted(clause) for clause in rule.required_masks],
        [sorted(clause, key=repr) for clause in rule.anchors],  # strings, and cascades as lists of rule orders
        [[name, reference.inline, list(reference.targets), reference.mask]
         for name, reference in rule.references.items()],
        rule.unit_template,
    ]


# ---- checking what was read ---------------------------------------------------


def _unit_tables(sets: Any, words: Any) -> tuple[tuple[UnitSet, ...], tuple[VocabularyKey, ...]]:
    """The sets of units and the vocabulary keys of an entry."""
    unit_sets = []
    for units in _list(sets):
        alternatives = []
        for alternative in _list(units):
            required, excluded, word, not_words = _fields(alternative, 4)
            # a word id below zero is a mask set's (units.mask_word)
            alternatives.append((_int(required), _int(excluded), _signed_int(word),
                                 frozenset(map(_signed_int, _list(not_words)))))
        unit_sets.append(tuple(alternatives))
    unit_words = []
    for item in _list(words):
        key, cased = _fields(item, 2)
        if type(cased) is not bool:
            raise _Miss("not a bool")
        unit_words.append((_str(key), cased))
    return tuple(unit_sets), tuple(unit_words)


def _placeholders_within(template: str, count: int) -> bool:
    """Whether every set placeholder of a unit template (``\\x00`` index ``\\x00``) is below ``count``."""
    pieces = template.split("\x00")
    return len(pieces) % 2 == 1 and all(piece.isdigit() and int(piece) < count for piece in pieces[1::2])


def _int(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise _Miss("not a natural number")
    return value


def _signed_int(value: Any) -> int:
    if type(value) is not int:
        raise _Miss("not an integer")
    return value



def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise _Miss("not an array")
    return value


def _fields(value: Any, count: int) -> list[Any]:
    if type(value) is not list or len(value) != count:
        raise _Miss(f"not an array of {count}")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _Miss("not a string")
    return value


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _index(value: Any, count: int) -> int:
    if type(value) is not int or not 0 <= value < count:
        raise _Miss("not an index in range")
    return value


def _anchor(value: Any, rule_count: int) -> Anchor:
    """An anchor: a string, or a cascade (the orders of its rules, written as a list)."""
    return _str(value) if type(value) is not list else _ints(value, rule_count)


def _ints(values: Iterable[Any], count: int) -> tuple[int, ...]:
    return tuple(_index(value, count) for value in _list(values))
