"""Number tracing: every number a factsheet (or the report) prints carries the view it came
from and where in that view's JSON it sits, so a test can compare each printed number with
the API's value for the same view (tests/test_report_traceability.py).

A renderer marks an element with :func:`trace`::

    <td{{ trace(view, "comparisons", 0, "cells", 1, "value") }}>12,5%</td>

which writes ``data-view="/gemeenten/GM0153.json" data-key="/comparisons/0/cells/1/value"``:
the URL of the view's JSON and a JSON pointer (RFC 6901) into it. :func:`traced` reads the
marked elements back from the HTML, :func:`resolve` follows a pointer, :func:`parse_number`
reads a printed number in the document's language, and :func:`untraced` lists any text with a
digit that no mark covers (a number nobody can trace)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup, escape

VIEW = "data-view"
KEY = "data-key"
BASE = "data-change-from"
"""On a printed change: the pointer of the value it changes from; ``data-key`` is the value it
changes to. The change itself is no field of the view: ``(to - from) / from`` for a relative
change, ``to - from`` for a difference (``data-change="difference"``, e.g. percentage points),
``from + to`` for a total of two parts (``data-change="sum"``)."""
KIND = "data-change"
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}


def pointer(*parts: object) -> str:
    """A JSON pointer from its reference tokens (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def trace(view: str, *parts: object) -> Markup:
    """The attributes that mark an element as the value at ``parts`` of the view ``view``."""
    return Markup(f' {VIEW}="{escape(view)}" {KEY}="{escape(pointer(*parts))}"')


def change(
    view: str, base: tuple[object, ...], to: tuple[object, ...], kind: str = "relative"
) -> Markup:
    """The attributes that mark an element as the change (``relative``, ``difference``, or
    ``sum`` for a total of two parts)
    from the value at ``base`` to the value at ``to``, both in the view ``view``."""
    return trace(view, *to) + Markup(f' {BASE}="{escape(pointer(*base))}" {KIND}="{escape(kind)}"')


def resolve(document: Any, key: str) -> Any:
    """The value at JSON pointer ``key`` in ``document``; KeyError when it is not there."""
    found = document
    for token in key.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(found, list):
            if not token.isdigit() or int(token) >= len(found):
                raise KeyError(key)
            found = found[int(token)]
        elif isinstance(found, dict) and token in found:
            found = found[token]
        else:
            raise KeyError(key)
    return found


@dataclass(frozen=True)
class Traced:
    """One marked element: its view, its key and the text it prints."""

    view: str
    key: str
    text: str
    base: str | None = None
    """For a change (:func:`change`): the pointer of the value it changes from."""
    kind: str = "relative"
    """For a change: ``relative`` or ``difference``."""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str] | None, list[str]]] = []
        self.found: list[Traced] = []
        self.loose: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        values = {k: v or "" for k, v in attrs}
        if tag in ("style", "script", "title", "svg"):
            self.skip += 1
        marked = (
            {
                "view": values[VIEW],
                "key": values[KEY],
                "base": values.get(BASE, ""),
                "kind": values.get(KIND, "relative"),
            }
            if KEY in values
            else None
        )
        self.stack.append((tag, marked, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self.stack:
            return
        while self.stack:
            name, marked, text = self.stack.pop()
            if name in ("style", "script", "title", "svg"):
                self.skip -= 1
            if marked is not None:
                self.found.append(
                    Traced(
                        marked["view"],
                        marked["key"],
                        _squash("".join(text)),
                        marked["base"] or None,
                        marked["kind"],
                    )
                )
            elif self.stack:
                self.stack[-1][2].extend(text)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if any(marked is not None for _, marked, _ in self.stack):
            # Inside a marked element: the text belongs to the innermost open element.
            self.stack[-1][2].append(data)
        elif self.stack:
            self.stack[-1][2].append(data)
            if any(c.isdigit() for c in data):
                self.loose.append(_squash(data))


def _squash(text: str) -> str:
    return " ".join(text.split())


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def traced(html: str) -> list[Traced]:
    """Every marked element of ``html`` (outside style, script and SVG), in document order of
    their closing tags."""
    return _read(html).found


def untraced(html: str) -> list[str]:
    """Every run of text with a digit that lies in no marked element (style, script, the
    title and inline SVG charts aside): numbers that cannot be traced to a view."""
    return _read(html).loose


_NUMBER = re.compile(r"[-+]?\d[\d.,]*")
_DASHES = {"–", "-", "—"}


def parse_number(text: str, lang: str = "nl") -> Decimal | None:
    """The number a formatted figure prints (``1.234``, ``12,5%``, ``≥ 7``, ``€ 3.000``),
    with ``%`` as hundredths; None for a dash or a flag in words (no figure)."""
    if text.strip() in _DASHES:
        return None
    found = _NUMBER.search(text)
    if found is None:
        return None
    thousands, decimal = (".", ",") if lang == "nl" else (",", ".")
    digits = found.group().replace(thousands, "").replace(decimal, ".")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return value / 100 if "%" in text[found.end() :] else value


def decimals(text: str, lang: str = "nl") -> int:
    """The number of decimals the figure in ``text`` prints (its rounding)."""
    found = _NUMBER.search(text)
    if found is None:
        return 0
    decimal = "," if lang == "nl" else "."
    _, mark, rest = found.group().partition(decimal)
    places = len(rest) if mark else 0
    return places + (2 if "%" in text[found.end() :] else 0)
