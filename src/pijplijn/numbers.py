"""The one number formatter: every figure a person reads goes through :func:`format_number`.

The pages (as the Jinja global ``fmt``), the CLI tables, the check texts and the report all
call it, so a figure reads the same everywhere: Dutch ``19.485`` / ``20,1%``, English
``19,485`` / ``20.1%``. One rounding rule for all of them: half away from zero on the decimal
the value prints as (``Decimal(repr(value))``), never Python's half-to-even on the binary float,
so 0.1235 as a share prints 12,4% and 2.5 as a count prints 3.

A value that is ``None`` never becomes 0: it prints as a dash, or as the word for its flag.
A count with a suppressed, missing or partial part is a lower bound and prints ``≥ N``
(docs/data-model.md); any other flagged value (an estimate, or a share built from suppressed
cells) prints ``≈ N``.

Kept free of heavy imports: ``pijplijn.cli`` imports it at start-up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Lang = Literal["nl", "en"]

UNITS = ("count", "thousand", "share", "percent", "growth", "ratio", "per_thousand", "money")
"""The units the formatter knows; an unknown unit prints as a plain number with 1 decimal."""

DIGITS = {
    "count": 0,
    "thousand": 1,
    "share": 1,
    "percent": 1,
    "growth": 1,
    "ratio": 2,
    "per_thousand": 1,
    "money": 0,
}
"""Decimals per unit: shares and growth in tenths of a percent, ratios in hundredths."""

DASH = "–"

FLAG_WORDS: dict[str, dict[str, str]] = {
    "suppressed": {"nl": "onderdrukt", "en": "suppressed"},
    "missing": {"nl": "geen cijfer", "en": "no figure"},
    "partial": {"nl": "deels", "en": "partial"},
    "estimated": {"nl": "geschat", "en": "estimated"},
    "provisional": {"nl": "voorlopig", "en": "provisional"},
}
"""A flag in words, in the reader's language (docs/data-model.md names the flags)."""

LOWER_BOUND_FLAGS = frozenset({"suppressed", "missing", "partial"})
"""Flags that make a sum of counts a lower bound: some of its parts are not in it."""

_SEPARATORS = {"nl": (".", ","), "en": (",", ".")}
"""Thousands separator and decimal mark per language."""


def round_half_up(value: float, digits: int) -> Decimal:
    """Return ``value`` rounded to ``digits`` decimals, half away from zero."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def plain(value: float, digits: int, lang: str = "nl", *, signed: bool = False) -> str:
    """Return ``value`` with ``digits`` decimals and the language's separators."""
    rounded = round_half_up(value, digits)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
    text = f"{rounded:,.{digits}f}"
    thousands, decimal = _SEPARATORS.get(lang, _SEPARATORS["nl"])
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    if signed and rounded > 0:
        text = "+" + text
    return text


def flag_word(flag: str, lang: str = "nl") -> str:
    """Return ``flag`` in words in ``lang``; an unknown flag is returned as it is."""
    return FLAG_WORDS.get(flag, {}).get(lang, flag)


def format_number(
    value: float | None,
    unit: str | None = "count",
    lang: str = "nl",
    *,
    flag: str | None = None,
    signed: bool | None = None,
    digits: int | None = None,
) -> str:
    """Return ``value`` as a reader sees it, for its ``unit`` and ``lang``.

    ``share`` and ``growth`` are fractions (0.201 → 20,1%), ``percent`` is already in percent,
    ``thousand`` is in thousands (27.8 → 27,8 duizend), ``per_thousand`` per mille. ``growth``
    carries its sign unless ``signed=False``. ``flag`` is the value's flag: ``None`` with a
    flag prints the flag in words; a flagged count prints as a lower bound ``≥ N``.
    """
    if value is None:
        return flag_word(flag, lang) if flag in FLAG_WORDS else DASH
    unit = unit or "count"
    places = DIGITS.get(unit, 1) if digits is None else digits
    sign = unit == "growth" if signed is None else signed
    if unit in ("share", "growth"):
        text = plain(100 * value, places, lang, signed=sign) + "%"
    elif unit == "percent":
        text = plain(value, places, lang, signed=sign) + "%"
    elif unit == "thousand":
        text = plain(value, places, lang, signed=sign) + (
            " duizend" if lang == "nl" else " thousand"
        )
    elif unit == "per_thousand":
        text = plain(value, places, lang, signed=sign) + "‰"
    elif unit == "money":
        text = "€ " + plain(value, places, lang, signed=sign)
    else:
        text = plain(value, places, lang, signed=sign)
    if flag is None:
        return text
    if unit in ("count", "thousand") and flag in LOWER_BOUND_FLAGS:
        return "≥ " + text
    if flag in FLAG_WORDS:
        return "≈ " + text
    return text


def percent(value: float | None, lang: str = "nl", *, signed: bool = False) -> str:
    """Return a fraction as a percentage: 0.201 → 20,1% (the template macro ``pct``)."""
    return format_number(value, "share", lang, signed=signed)


def points(value: float | None, lang: str = "nl", *, signed: bool = True) -> str:
    """Return a difference of two shares in percentage points: 0.012 → +1,2 procentpunt."""
    if value is None:
        return DASH
    word = " procentpunt" if lang == "nl" else " percentage points"
    return plain(100 * value, DIGITS["share"], lang, signed=signed) + word
