"""Functions that rule expressions may call (mechanism only, no language knowledge).

Every function is null-tolerant: given ``None`` where it needs a value it
returns ``None`` rather than failing, so an optional capture that did not
match yields null fields instead of an error.  Plugins add functions through
the ``tallyrules_functions`` hook.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .lexicons import Lexicon
from .results import Extraction, Span

Function = Callable[..., Any]

# What each qualifier of the output contract says about the bounds of a number.
# (The words that express a qualifier live in the core lexicons, not here.)
_LOW_BOUNDED = {"exact", "approximately", "more_than", "at_least"}
_HIGH_BOUNDED = {"exact", "approximately", "less_than", "at_most"}


def as_text(value: Any) -> str | None:
    """The text of a span, extraction or string; None otherwise."""
    if isinstance(value, (Span, Extraction)):
        return value.text
    if isinstance(value, str):
        return value
    if value is None:
        return None
    return str(value)


def _clean_number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def parse_number(value: Any) -> int | float | None:
    """A number written in digits ("6,000", "1.5", "1 500") as int or float."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    text = as_text(value)
    if text is None:
        return None
    digits = re.sub(r"[,\s\u00a0\u2009\u202f]", "", text)
    try:
        value = float(digits)
    except ValueError:
        return None
    return _clean_number(value) if math.isfinite(value) else None


def lookup(lexicon: Any, value: Any, default: Any = None) -> Any:
    """The value a lexicon stores for a captured text (``default`` if absent)."""
    if not isinstance(lexicon, Lexicon):
        return default
    text = as_text(value)
    if text is None:
        return default
    return lexicon.lookup(text, default)


def _numbers(values: tuple[Any, ...]) -> list[float]:
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def minimum(*values: Any) -> Any:
    """The smallest number given, ignoring nulls."""
    numbers = _numbers(values)
    return min(numbers) if numbers else None


def maximum(*values: Any) -> Any:
    """The largest number given, ignoring nulls."""
    numbers = _numbers(values)
    return max(numbers) if numbers else None


def coalesce(*values: Any) -> Any:
    """The first value that is not null."""
    return next((v for v in values if v is not None), None)


def lower_bound(value: Any, qualifier: Any) -> Any:
    """The low end a qualified number implies (``more than 6,000`` -> 6000; ``under 5`` -> null)."""
    return value if qualifier in _LOW_BOUNDED else None


def upper_bound(value: Any, qualifier: Any) -> Any:
    """The high end a qualified number implies (``up to 5`` -> 5; ``over 5`` -> null)."""
    return value if qualifier in _HIGH_BOUNDED else None


def text(value: Any) -> str | None:
    """The text of a capture."""
    return as_text(value)


def lower(value: Any) -> str | None:
    """The text of a capture in lower case."""
    t = as_text(value)
    return t.lower() if t is not None else None


def concat(*values: Any) -> str | None:
    """The texts of the values joined, skipping nulls; null when all are null."""
    parts = [as_text(v) for v in values if v is not None]
    return "".join(p for p in parts if p) if parts else None


def span(value: Any) -> Span | None:
    """The plain span of a capture, without the fields of a referenced match."""
    if isinstance(value, (Span, Extraction)):
        return Span(value.start, value.end, value.text)
    return None


def has(value: Any) -> bool:
    """True when an optional capture matched."""
    return value is not None


def round_to(value: Any, digits: Any = 0) -> Any:
    """``value`` rounded to ``digits`` decimals."""
    if not isinstance(value, (int, float)) or not isinstance(digits, int):
        return None
    return _clean_number(float(round(value, digits)))


def absolute(value: Any) -> Any:
    """The absolute value of a number."""
    return abs(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def is_integer(value: Any) -> bool:
    """True for a whole number."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()


def is_finite(value: Any) -> bool:
    """True for a number that is not infinite or NaN."""
    return isinstance(value, (int, float)) and math.isfinite(value)


BUILTIN_FUNCTIONS: dict[str, Function] = {
    "number": parse_number,
    "lookup": lookup,
    "min": minimum,
    "max": maximum,
    "coalesce": coalesce,
    "lower_bound": lower_bound,
    "upper_bound": upper_bound,
    "text": text,
    "lower": lower,
    "concat": concat,
    "span": span,
    "has": has,
    "round": round_to,
    "abs": absolute,
    "is_integer": is_integer,
    "is_finite": is_finite,
}
