"""The token layer (tallyrules.tokenizer) agrees with the character regexes the rules compile to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyrules import Engine, ast, tokenize
from tallyrules.lexicons import Lexicon, build_lexicon
from tallyrules.patterns import EmitContext, PatternEmitter, literal_regex
from tallyrules.tokenizer import (
    BREAK,
    CODE_BASE,
    GLUED,
    SHAPE_BIT,
    SHAPE_CLASSES,
    SPACE_CHARS,
    SPACED,
    TokenClassifier,
    class_regex,
    engine_lexicons,
    split,
)
from tallyrules.tokens import GAP, compact_classes

from .conftest import check_pieces, generated_texts

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NEWS = (Path(__file__).parent / "fixtures" / "news_sample.txt").read_text(encoding="utf-8")
AT = ast.Location("<test>", 1, 1)

texts = generated_texts(25)


def _with_gap_spaces_as_separators(text: str) -> list[tuple[str, int, int]]:
    """tokens.tokenize(), less the one-character tokens that are spaces a pattern's gap skips."""
    return [(t.text, t.start, t.end) for t in tokenize(text) if t.text not in SPACE_CHARS]


def check_split(text: str) -> None:
    tokens, starts, ends, separators = split(text)
    check_pieces(text, tokens, starts, ends, separators, SPACE_CHARS)
    # the boundaries of tokens.tokenize(), which the token classes imply
    assert list(zip(tokens, starts, ends, strict=True)) == _with_gap_spaces_as_separators(text)


@SETTINGS
@given(texts)
def test_offsets_are_exact_and_tokens_cover_the_text(text):
    check_split(text)


def test_offsets_on_news():
    for line in NEWS.splitlines():
        check_split(line)
    check_split(NEWS)


def test_split_examples():
    tokens, starts, ends, separators = split("U.S. troops—6,000 5bn\xa0Gen.  \n\nok")
    assert tokens == ["U.S.", "troops", "—", "6,000", "5", "bn", "Gen", ".", "ok"]
    assert (starts[3], ends[3]) == (12, 17)
    assert separators[5] == "" and separators[6] == "\xa0" and separators[8] == "  \n\n"
    assert split("") == ([], [], [], [])
    assert split(" \t\n ")[0] == []


# ---- shapes ------------------------------------------------------------------------------------

CLASS_REGEXES = {name: re2.compile(class_regex(name)) for name in SHAPE_CLASSES}


def check_shapes(classifier: TokenClassifier, text: str) -> None:
    for token in split(text)[0]:
        shape = classifier.classify(token).shape
        for name, regex in CLASS_REGEXES.items():
            assert bool(shape & SHAPE_BIT[name]) == (regex.fullmatch(token) is not None), (token, name)


@SETTINGS
@given(texts)
def test_shape_bits_agree_with_the_class_regexes(text):
    check_shapes(TokenClassifier(), text)


def test_shape_bits_on_news():
    check_shapes(TokenClassifier(), NEWS)


def test_shape_examples():
    classes = TokenClassifier().classify
    assert classes("U.S.").classes() == ["ABBR"]
    assert classes("6,000").classes() == ["NUM"]
    assert classes("ISIS").classes() == ["WORD", "CAP", "UPPER", "ALNUM"]
    assert classes("—").classes() == ["PUNCT", "DASH"]
    assert classes("“").classes() == ["PUNCT", "QUOTE", "OPEN_QUOTE"]
    assert classes("Москва").classes() == []  # not a token: Cyrillic letters are one-character tokens


# ---- lexicons ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine_lexicon_regexes() -> tuple[TokenClassifier, list[tuple[Lexicon, re2._Regexp]]]:
    lexicons = engine_lexicons(Engine.default())
    return TokenClassifier(lexicons), [(lexicon, re2.compile(lexicon_regex(lexicon))) for lexicon in lexicons]


def lexicon_regex(lexicon: Lexicon) -> str:
    """The regex the pattern compiler writes for ``<name>``."""
    emitter = PatternEmitter(lambda name, at: lexicon, lambda *args: "")
    return emitter.emit(ast.LexiconRef(lexicon.name, False, AT), EmitContext(False))


def start_regex(lexicon: Lexicon) -> str | None:
    """A regex of the first tokens of the lexicon's entries of several tokens (a literal each)."""
    firsts = {tokens[0] for tokens in (split(entry)[0] for entry in lexicon.entries) if len(tokens) > 1}
    return "|".join(literal_regex(first, lexicon.cased) for first in sorted(firsts)) or None


_START_REGEXES: list[tuple[int, Lexicon, re2._Regexp]] = []


def start_regexes(regexes: list[tuple[Lexicon, re2._Regexp]]) -> list[tuple[int, Lexicon, re2._Regexp]]:
    """For each lexicon with entries of several tokens: its index and the regex of their first tokens."""
    if not _START_REGEXES:
        for index, (lexicon, _regex) in enumerate(regexes):
            code = start_regex(lexicon)
            if code:
                _START_REGEXES.append((index, lexicon, re2.compile(code)))
    return _START_REGEXES


def check_lexicons(classifier: TokenClassifier, regexes: list[tuple[Lexicon, re2._Regexp]], text: str) -> None:
    for token in split(text)[0]:
        found = classifier.classify(token)
        for index, (lexicon, regex) in enumerate(regexes):
            expected = regex.fullmatch(token) is not None
            assert bool(found.lexicons & 1 << index) == expected, (token, lexicon.name, lexicon.cased)


def mutate(entry: str, data: st.DataObject) -> str:
    """An entry as text may write it: other case, other quotes and hyphens, something glued on."""
    variants = {"'": "'’‘", "’": "'’‘", "-": "-‐‑–", "‐": "-‐‑–", '"': '"“”„'}
    chars = []
    for char in entry:
        choice = data.draw(st.integers(0, 3))
        if choice == 1:
            char = char.upper()
        elif choice == 2:
            char = char.lower()
        elif choice == 3 and char in variants:
            char = data.draw(st.sampled_from(variants[char]))
        chars.append(char)
    return data.draw(st.sampled_from(["", " ", "(", "x"])) + "".join(chars) + data.draw(st.sampled_from(["", ".", "s"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(st.data())
def test_lexicon_bits_agree_with_the_lexicon_regexes(engine_lexicon_regexes, data):
    classifier, regexes = engine_lexicon_regexes
    lexicon = data.draw(st.sampled_from([lexicon for lexicon, _ in regexes if lexicon.entries]))
    entry = data.draw(st.sampled_from(lexicon.entries))
    text = data.draw(st.one_of(st.just(entry), st.builds(mutate, st.just(entry), st.just(data)), texts))
    check_lexicons(classifier, regexes, text)


def test_lexicon_bits_on_news(engine_lexicon_regexes):
    classifier, regexes = engine_lexicon_regexes
    check_lexicons(classifier, regexes, NEWS)
    assert len(regexes) > 20  # every pack's lexicons were found


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ag_news_test.jsonl"


@pytest.mark.skipif(not CORPUS.exists(), reason="the news corpus is not beside the repository")
def test_every_type_of_the_corpus_agrees(engine_lexicon_regexes):
    """Boundaries, shapes and lexicon bits of every token type of the news corpus."""
    classifier, regexes = engine_lexicon_regexes
    types: set[str] = set()
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        tokens, starts, ends, _separators = split(text)
        assert list(zip(tokens, starts, ends, strict=True)) == _with_gap_spaces_as_separators(text)
        types.update(tokens)
    for token in types:
        found = classifier.classify(token)
        for name, regex in CLASS_REGEXES.items():
            assert bool(found.shape & SHAPE_BIT[name]) == (regex.fullmatch(token) is not None), (token, name)
        for index, (lexicon, regex) in enumerate(regexes):
            assert bool(found.lexicons & 1 << index) == (regex.fullmatch(token) is not None), (token, lexicon.name)


def test_every_single_token_entry_is_found(engine_lexicon_regexes):
    classifier, regexes = engine_lexicon_regexes
    for index, (lexicon, _regex) in enumerate(regexes):
        for entry in lexicon.entries:
            tokens = split(entry)[0]
            if len(tokens) == 1:
                assert classifier.classify(entry).lexicons & 1 << index, (lexicon.name, entry)
            elif tokens:
                assert classifier.classify(tokens[0]).starts & 1 << index, (lexicon.name, entry)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(st.data())
def test_start_bits_agree_with_the_first_words_of_entries(engine_lexicon_regexes, data):
    classifier, regexes = engine_lexicon_regexes
    starts = start_regexes(regexes)
    index, lexicon, _ = data.draw(st.sampled_from(starts))
    entry = data.draw(st.sampled_from([e for e in lexicon.entries if len(split(e)[0]) > 1]))
    text = data.draw(st.one_of(st.just(entry), st.builds(mutate, st.just(entry), st.just(data))))
    for token in split(text)[0]:
        found = classifier.classify(token).starts
        for other, other_lexicon, regex in starts:
            assert bool(found & 1 << other) == (regex.fullmatch(token) is not None), (token, other_lexicon.name)


def test_lexicon_case_and_variants():
    cased = build_lexicon("units", True, [("AT&T", None), ("kg", None), ("U.S.", None), ("Gen. Smith", None)])
    caseless = build_lexicon("words", False, [("don't", None), ("one-third", None), ("–", None), ("said", None)])
    classifier = TokenClassifier([cased, caseless])
    assert classifier.classify("kg").lexicons == 0b01
    assert classifier.classify("KG").lexicons == 0
    assert classifier.classify("U.S.").lexicons == 0b01
    assert classifier.classify("DON’T").lexicons == 0b10
    assert classifier.classify("One‐Third").lexicons == 0b10  # U+2010, a hyphen inside a word
    assert classifier.classify("–").lexicons == 0b10 and classifier.classify("-").lexicons == 0
    assert classifier.classify("ſaid").lexicons == 0b10  # RE2 folds long s to s
    assert classifier.classify("AT").starts == 0b01 and classifier.classify("Gen").starts == 0b01
    entries = {(e.lexicon, e.keys, e.separations) for e in classifier.multi_token_entries}
    assert (0, ("AT", "&", "T"), bytes([BREAK, GLUED, GLUED])) in entries
    assert (0, ("Gen", ".", "Smith"), bytes([BREAK, GLUED, SPACED])) in entries


# ---- the class string ---------------------------------------------------------------------------

GAP_REGEX = re2.compile(compact_classes(GAP))


@SETTINGS
@given(texts)
def test_class_string_has_one_code_per_token(text):
    classifier = TokenClassifier([build_lexicon("w", False, [("said", None), ("more than", None)])])
    document = classifier.document(text)
    assert document.tokens == split(text)[0]
    assert len(document.codes) == len(document.tokens) == len(document.gaps)
    for token, code in zip(document.tokens, document.codes, strict=True):
        assert ord(code) >= CODE_BASE and not 0xD800 <= ord(code) < 0xE000
        assert classifier.class_of(code) == classifier.classify(token)
    seen: dict[object, str] = {}
    for code in document.codes:  # one code per combination, one combination per code
        assert seen.setdefault(classifier.class_of(code), code) == code
    previous_end = 0
    for index, (start, gap) in enumerate(zip(document.starts, document.gaps, strict=True)):
        separator = text[previous_end:start]
        if index == 0:
            assert gap == BREAK
        elif not separator:
            assert gap == GLUED
        else:
            assert gap == (SPACED if GAP_REGEX.fullmatch(separator) else BREAK), repr(separator)
        previous_end = document.ends[index]


def test_class_string_of_news():
    classifier = TokenClassifier([build_lexicon("cue", False, [("said", None), ("told reporters", None)])])
    document = classifier.document("Officials said 6,000. Police told reporters\n\nNothing said")
    said = classifier.code("said")
    assert document.codes.count(said) == 2
    assert classifier.class_of(said).lexicons == 1
    assert classifier.class_of(classifier.code("told")).starts == 1
    assert document.gaps == bytes([BREAK, SPACED, SPACED, GLUED, SPACED, SPACED, SPACED, BREAK, SPACED])
    assert classifier.codes_with(lexicons=1) == said


def test_type_cache_is_bounded_and_codes_are_stable():
    classifier = TokenClassifier(max_types=10)
    first = {word: classifier.code(word) for word in (f"word{n}" for n in range(100))}
    assert classifier.cached_types <= 10
    assert {word: classifier.code(word) for word in first} == first
    assert len(set(first.values())) == 1  # all of one shape: one combination
