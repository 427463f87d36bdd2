"""Token patterns compiled to RE2: boundaries, glue, variants, lexicons, gaps and repetition."""

from __future__ import annotations

import pytest
import re2

from tallyrules import Engine
from tallyrules.lexicons import NO_VALUE, build_lexicon
from tallyrules.patterns import complement_regex, literal_regex
from tallyrules.tokens import GAP

SCALE = 'lexicon scale = {"bn", "m", "million"}'


def test_word_boundaries(texts_matched):
    assert texts_matched('"more than"', "furthermore than that, more than 5") == ["more than"]
    assert texts_matched('"more" "than"', "furthermore than; more  than") == ["more  than"]
    assert texts_matched('"than"', "thank than thanks") == ["than"]
    assert texts_matched("NUM", "a12 12 12b 7") == ["12", "7"]
    assert texts_matched("/[0-9]+/", "a12 12 12b") == ["12"]


def test_boundaries_only_on_word_edges(texts_matched):
    # "%" and "$" are not word characters: no boundary needed next to them
    assert texts_matched('NUM "%"', "5% 5 % 5x%") == ["5%", "5 %"]
    assert texts_matched('"$" NUM', "$5 US$5") == ["$5", "$5"]


def test_glue_requires_adjacency(texts_matched):
    assert texts_matched("NUM ~ <scale>", "5bn and 5 bn", SCALE) == ["5bn"]
    assert texts_matched("NUM <scale>", "5bn and 5 bn", SCALE) == ["5 bn"]
    assert texts_matched('"$" ~ NUM', "$10 $ 10") == ["$10"]
    assert texts_matched("NUM ~ <scale>", "5bnx 5bn.", SCALE) == ["5bn"]  # the glued end keeps its boundary


def test_glue_chain(texts_matched):
    assert texts_matched('NUM ~ "-" ~ "year"', "a 10-year term, 10 - year") == ["10-year"]


@pytest.mark.parametrize("variant", ["don't", "don’t", "don‘t"])
def test_apostrophe_variants(texts_matched, variant):
    assert texts_matched('"don\'t"', f"I {variant} know") == [variant]
    assert texts_matched('"don’t"', f"I {variant} know") == [variant]


@pytest.mark.parametrize("variant", ["one-third", "one‐third", "one‑third", "one–third"])
def test_hyphen_variants(texts_matched, variant):
    assert texts_matched('"one-third"', f"about {variant} of them") == [variant]


def test_hyphen_is_not_optional(texts_matched):
    assert texts_matched('"one-third"', "onethird one third") == []


@pytest.mark.parametrize("variant", ['"hi"', "“hi”", "”hi“"])
def test_quote_variants(texts_matched, variant):
    assert texts_matched('"\\"hi\\""', f"say {variant} now") == [variant]


def test_case_insensitive_by_default_and_cased_literal(texts_matched):
    assert texts_matched('"us"', "US us Us") == ["US", "us", "Us"]
    assert texts_matched('"US"c', "US us Us uS") == ["US"]
    assert texts_matched("/us/", "US us") == ["us"]
    assert texts_matched("/us/i", "US us") == ["US", "us"]


def test_cased_lexicon(texts_matched):
    prelude = 'lexicon acronym cased = {"IS", "ISIL"}'
    assert texts_matched("<acronym>", "IS is ISIL isil", prelude) == ["IS", "ISIL"]
    assert texts_matched("<acronym>", "IS is ISIL isil", 'lexicon acronym = {"IS", "ISIL"}') == [
        "IS", "is", "ISIL", "isil"]


def test_lexicon_longest_entry_wins(texts_matched):
    prelude = 'lexicon q = {"more", "more than", "than"}'
    assert texts_matched("<q>", "more than", prelude) == ["more than"]


def test_multi_word_lexicon_entries_match_any_whitespace(texts_matched):
    prelude = 'lexicon q = {"more than"}'
    assert texts_matched("<q>", "more   than / more\nthan / more\n\nthan", prelude) == ["more   than", "more\nthan"]


def test_complement_lexicon(texts_matched):
    prelude = 'lexicon stop = {"the", "a", "an"}'
    assert texts_matched('"x" !<stop> "y"', "x the y. x cat y. x these y. x an y. x ant y", prelude) == [
        "x cat y", "x these y", "x ant y"]
    assert texts_matched("!<stop>", "The cat A an", prelude) == ["cat"]
    # a number is not a word: the complement covers words only
    assert texts_matched('"x" !<stop> "y"', "x 5 y", prelude) == []


def test_complement_of_cased_lexicon(texts_matched):
    prelude = 'lexicon stop cased = {"The"}'
    assert texts_matched("!<stop>", "The the", prelude) == ["the"]


def test_complement_regex_directly():
    lexicon = build_lexicon("stop", False, [("the", NO_VALUE), ("then", NO_VALUE), ("a", NO_VALUE)])
    regex = re2.compile(complement_regex(lexicon))
    words = ["the", "then", "a", "THE", "them", "th", "t", "there", "an", "b", "thenx", "x"]
    accepted = [w for w in words if regex.fullmatch(w)]
    assert accepted == ["them", "th", "t", "there", "an", "b", "thenx", "x"]


def test_gap_allows_one_line_break_only(texts_matched):
    assert texts_matched('"a" "b"', "a\nb | a\r\nb | a \n b | a\n\nb | a \n \n b") == ["a\nb", "a\r\nb", "a \n b"]
    assert texts_matched('"a" ANY+', "a x y\n\nz") == ["a x y"]
    assert texts_matched('"a b"', "a\n\nb") == []
    assert re2.fullmatch(GAP, " \t\u00a0\u2009") and not re2.fullmatch(GAP, "\n\n")


def test_optional_element_at_either_end(texts_matched):
    assert texts_matched('"big"? "cat"', "cat big cat") == ["cat", "big cat"]
    assert texts_matched('"a" "big"?', "a big a") == ["a big", "a"]


def test_optional_element_in_the_middle(texts_matched):
    assert texts_matched('"a" "big"? "cat"', "a cat, a big cat, a small cat") == ["a cat", "a big cat"]


def test_star_element_in_the_middle(texts_matched):
    assert texts_matched('"x" "a"* "y"', "x y. x a y. x a a y") == ["x y", "x a y", "x a a y"]


def test_optional_group(texts_matched):
    assert texts_matched('("very" "big")? "cat"', "cat very big cat big cat") == ["cat", "very big cat", "cat"]


def test_bounded_repetition_counts(texts_matched):
    assert texts_matched('"a"{2,3}', "a a a a a") == ["a a a", "a a"]
    assert texts_matched('"a"{1,2}', "a a a") == ["a a", "a"]
    assert texts_matched('"x" "a"+', "x a a. x. x a") == ["x a a", "x a"]


def test_exact_repetition_count(texts_matched):
    assert texts_matched('"a"{2}', "a a a a a") == ["a a", "a a"]


def test_open_repetition_lower_bound(texts_matched):
    assert texts_matched('"x" "a"{3,}', "x a. x a a. x a a a. x a a a a") == ["x a a a", "x a a a a"]


def test_repetition_zero_to_many_at_end(texts_matched):
    assert texts_matched('"x" "a"*', "x a a y x") == ["x a a", "x"]


def test_alternation_and_grouping(texts_matched):
    assert texts_matched('("over" | "above") NUM', "over 5, above 6, under 7") == ["over 5", "above 6"]


def test_literal_regex_helper():
    code = literal_regex("more than", cased=False)
    assert re2.search(code, "MORE\nthan")
    assert not re2.search(code, "furthermore than")
    glued = literal_regex("bn", cased=True, glued_left=True)
    assert re2.search(glued, "5bn") and not re2.search(glued, "5BN")


def test_non_ascii_word_edges(texts_matched):
    assert texts_matched('"Bogotá"', "in Bogotá today") == ["Bogotá"]
    assert texts_matched("WORD", "élan café") == ["élan", "café"]


def test_no_match_inside_non_ascii_words(texts_matched):
    # the matcher rejects candidates that RE2's ASCII \b let start or end inside a word
    assert texts_matched('"n"', "año n") == ["n"]
    assert texts_matched("NUM", "é5 5") == ["5"]


def test_no_match_starts_after_a_letter_and_an_apostrophe(texts_matched):
    # the "s" of "today's" is part of that word, not a word of its own
    assert texts_matched("LOWER", "today's s") == ["today's", "s"]  # one word, then the lone s
    assert texts_matched('"s"', "today’s s") == ["s"]
    assert texts_matched("CAP", "'Tis Rome") == ["Tis", "Rome"]


def test_an_optional_capture_glued_to_its_neighbour_is_absent_when_it_does_not_match() -> None:
    """``x:/-/? ~ NUM``: on "5" the capture is absent (``has(x)`` false), not an empty span."""
    engine = Engine.from_text('''
        kind probe { signed, unit }
        rule probe: probe {
            match x:/[-]/? ~ n:NUM u:"kg"?
            yield { signed: has(x), unit: has(u) }
        }''')
    assert [(e.text, e["signed"], e["unit"]) for e in engine.extract("5 and -6 kg")] == [
        ("5", False, False), ("-6 kg", True, True)]
