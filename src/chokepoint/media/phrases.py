"""Fixed phrases (place names, programme terms) found in a story with
their spans: one compiled pattern per phrase list, longest phrase first,
whole words only, words joined by spaces or hyphens."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def phrase_key(text: str) -> str:
    """How a found phrase is looked up: lower case, one space between words."""
    return " ".join(re.split(r"[\s\-‐–]+", text.lower().replace("’", "'"))).strip()


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    start: int
    end: int
    text: str
    item: T


class PhraseMatcher(Generic[T]):
    """Finds any of a set of phrases.

    ``ignore_case``: match regardless of case; ``capitalised``: then keep
    only matches whose first letter is a capital (place names: "Chad" the
    country, not "chad"); ``numbered``: a phrase may be followed by a model
    number ("Shahed-136", "Mohajer 6")."""

    def __init__(self, phrases: Iterable[tuple[str, T]], ignore_case: bool = True, capitalised: bool = False,
                 numbered: Iterable[str] = ()) -> None:
        self.items: dict[str, T] = {}
        written: dict[str, str] = {}
        for phrase, item in phrases:
            key = phrase_key(phrase)
            if key and key not in self.items:
                self.items[key] = item
                written[key] = " ".join(re.split(r"[\s\-‐–]+", phrase.strip()))
        numbered_keys = {phrase_key(p) for p in numbered}
        parts = []
        for key in sorted(self.items, key=len, reverse=True):
            words = (written[key] if not ignore_case else key).split(" ")
            body = r"[\s\-‐–]+".join(re.escape(w).replace("'", "['’]") for w in words)
            suffix = r"(?:[\s\-‐–]?\d{1,3}[A-Za-z]?)?" if key in numbered_keys else ""
            parts.append(f"(?:{body}){suffix}")
        flags = re.IGNORECASE if ignore_case else 0
        self.pattern = re.compile(r"(?<![\w\-])(?:" + "|".join(parts) + r")(?![\w])", flags) if parts else None
        self.capitalised = capitalised
        self._number = re.compile(r"[\s\-‐–]?\d{1,3}[A-Za-z]?$")

    def find(self, text: str) -> list[Found[T]]:
        if self.pattern is None:
            return []
        out = []
        for m in self.pattern.finditer(text):
            matched = m.group()
            if self.capitalised and not matched[0].isupper():
                continue
            key = phrase_key(matched)
            item = self.items.get(key)
            if item is None:
                item = self.items.get(phrase_key(self._number.sub("", matched)))
            if item is not None:
                out.append(Found(m.start(), m.end(), matched, item))
        return out
