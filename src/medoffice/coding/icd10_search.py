"""Finding ICD-10-CM codes by code prefix or by words in their descriptions.

simple-icd-10-cm has no search, and scanning ~98,000 descriptions per keystroke is slow, so an
index is built once per process (about a second) and kept: the codes in order for prefix look-ups,
and an inverted index from each description word to the codes that use it.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from types import ModuleType

from medoffice.coding.icd10 import normalize


def _cm() -> ModuleType:
    """simple-icd-10-cm parses its 11 MB table at import (seconds): load it on first use."""
    import simple_icd_10_cm

    return simple_icd_10_cm


WORD = re.compile(r"[a-z0-9]+")
CODE_LIKE = re.compile(r"^[A-Za-z]\d[0-9A-Za-z.]*$")


@dataclass(frozen=True)
class Icd10Hit:
    code: str
    description: str
    billable: bool


@dataclass(frozen=True)
class _Index:
    codes: tuple[str, ...]  # dotless, sorted, for prefix search
    dotted: dict[str, str]
    descriptions: dict[str, str]
    billable: frozenset[str]
    vocabulary: tuple[str, ...]  # sorted words, for word-prefix search
    postings: dict[str, frozenset[str]]


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    dotted: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    billable: set[str] = set()
    postings: dict[str, set[str]] = {}
    for code in _cm().get_all_codes(True):
        if _cm().is_chapter_or_block(code):
            continue
        plain = code.replace(".", "")
        dotted[plain] = code
        text = _cm().get_description(code)
        descriptions[plain] = text
        if _cm().is_leaf(code):
            billable.add(plain)
        for word in set(WORD.findall(text.lower())):
            postings.setdefault(word, set()).add(plain)
    return _Index(
        codes=tuple(sorted(dotted)),
        dotted=dotted,
        descriptions=descriptions,
        billable=frozenset(billable),
        vocabulary=tuple(sorted(postings)),
        postings={w: frozenset(c) for w, c in postings.items()},
    )


def warm() -> None:
    """Build the index now (e.g. at start-up of a worker) rather than on the first search."""
    _index()


def _codes_with_word_prefix(index: _Index, prefix: str) -> set[str]:
    found: set[str] = set()
    start = bisect.bisect_left(index.vocabulary, prefix)
    for word in index.vocabulary[start:]:
        if not word.startswith(prefix):
            break
        found |= index.postings[word]
    return found


def search(query: str, *, limit: int = 25, billable_only: bool = False) -> list[Icd10Hit]:
    """Codes starting with the query ("E11", "e11.9"), or whose description has every word
    (each as a prefix: "diab mell typ 2" works). The code typed first, then billable codes,
    shorter codes before longer ones."""
    query = (query or "").strip()
    if not query:
        return []
    index = _index()
    if CODE_LIKE.match(query):
        prefix = normalize(query).replace(".", "")
        start = bisect.bisect_left(index.codes, prefix)
        matched: list[str] = []
        for code in index.codes[start:]:
            if not code.startswith(prefix):
                break
            matched.append(code)
            if len(matched) >= limit * 40:
                break
    else:
        words = WORD.findall(query.lower())
        if not words:
            return []
        sets = [_codes_with_word_prefix(index, w) for w in words]
        sets.sort(key=len)
        result = set(sets[0])
        for other in sets[1:]:
            result &= other
            if not result:
                break
        matched = list(result)
    if billable_only:
        matched = [c for c in matched if c in index.billable]
    # Shorter, billable codes first: the usual pick for a word search is a common leaf code.
    exact = normalize(query).replace(".", "")
    matched.sort(key=lambda c: (c != exact, c not in index.billable, len(c), c))
    return [
        Icd10Hit(index.dotted[c], index.descriptions[c], c in index.billable)
        for c in matched[:limit]
    ]
