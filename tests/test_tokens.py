"""The token model: token classes as the rules see them, and tokenize()."""

from __future__ import annotations

import pytest

from tallyrules import Token, tokenize
from tallyrules.tokens import TOKEN_CLASS_DOCS, TOKEN_CLASSES


def test_tokenize_offsets_and_kinds():
    text = "U.S. officials said 6,000 fighters—one-third, G8."
    tokens = list(tokenize(text))
    assert [t.text for t in tokens] == ["U.S.", "officials", "said", "6,000", "fighters", "—", "one-third", ",",
                                        "G8", "."]
    assert all(text[t.start:t.end] == t.text for t in tokens)
    kinds = {t.text: t.kind for t in tokens}
    assert kinds["U.S."] == "ABBR" and kinds["6,000"] == "NUM" and kinds["one-third"] == "WORD"
    assert kinds["—"] == "PUNCT" and kinds["G8"] == "WORD"
    assert tokens[0] == Token("U.S.", 0, 4, "ABBR")


def test_tokenize_empty_and_whitespace():
    assert list(tokenize("")) == []
    assert list(tokenize(" \n\t ")) == []


def test_tokenize_non_ascii_offsets():
    text = "“Ürümqi” 5 😀 café"
    tokens = list(tokenize(text))
    assert all(text[t.start:t.end] == t.text for t in tokens)
    assert [t.text for t in tokens] == ["“", "Ürümqi", "”", "5", "😀", "café"]


def test_every_class_is_documented():
    assert set(TOKEN_CLASSES) == set(TOKEN_CLASS_DOCS)


@pytest.mark.parametrize(
    ("cls", "text", "expected"),
    [
        ("NUM", "6,000 1.5 2004 1,00", ["6,000", "1.5", "2004", "1", "00"]),
        ("WORD", "group's one-third 5x G8", ["group's", "one-third", "G8"]),
        ("CAP", "Kerry said ISIS", ["Kerry", "ISIS"]),
        ("LOWER", "Kerry said ISIS", ["said"]),
        ("UPPER", "Kerry said ISIS G8 A AT&T", ["ISIS", "G8", "AT&T"]),
        ("ABBR", "U.S. Gen. e.g. ok", ["U.S.", "Gen.", "e.g."]),
        ("ALNUM", "G8 747s MP3 a-b", ["G8", "747s", "MP3", "a-b"]),
        ("PUNCT", "a, b% $c", [",", "%", "$"]),
        ("QUOTE", 'say "x" “y” «z»', ['"', '"', "“", "”", "«", "»"]),
        ("OPEN_QUOTE", "“y” «z»", ["“", "«"]),
        ("CLOSE_QUOTE", "“y” «z»", ["”", "»"]),
        ("DASH", "a—b a–b a--b a - b", ["—", "–", "--", "-"]),
        ("ANY", "U.S. 6,000 x-y !", ["U.S.", "6,000", "x-y", "!"]),
    ],
)
def test_token_classes_in_patterns(texts_matched, cls, text, expected):
    assert texts_matched(cls, text) == expected
