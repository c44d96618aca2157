"""Sentence similarity across Kazakh and Russian, for comparing duty lists.

A sentence is reduced to the concepts of a bilingual lexicon (``data/reference/kk-ru-stems.yaml``:
a word belongs to a concept when it starts with one of its stems) and, for a same-language
comparison, to its word stems; two lists are compared by an order-preserving alignment.  The
lexicon is small on purpose: words it does not know are ignored by the cross-language comparison.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from loaders.base import TextItem

LEXICON_FILE = Path(__file__).resolve().parent.parent / "data" / "reference" / "kk-ru-stems.yaml"


def _load_lexicon(path: Path = LEXICON_FILE) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """concept -> (ru stems, kk stems), in the file's order (it breaks ties between stems)."""
    with open(path, encoding="utf-8") as f:
        entries = yaml.safe_load(f)["concepts"]
    return {concept: (tuple(stems["ru"]), tuple(stems["kk"])) for concept, stems in entries.items()}


LEXICON = _load_lexicon()

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _stem_index(lang: str) -> list[tuple[str, str]]:
    k = 0 if lang == "ru" else 1
    pairs = [(stem, concept) for concept, stems in LEXICON.items() for stem in stems[k]]
    return sorted(pairs, key=lambda p: -len(p[0]))


_INDEX = {"ru": _stem_index("ru"), "kk": _stem_index("kk")}


def concepts(text: str, lang: str) -> frozenset[str]:
    """The lexicon concepts a text mentions (a word, or each part of a hyphenated word)."""
    found = set()
    index = _INDEX[lang]
    for word in _WORD.findall(text.lower()):
        for piece in [word] + (word.split("-") if "-" in word else []):
            for stem, concept in index:
                if piece.startswith(stem):
                    found.add(concept)
                    break
    return frozenset(found)


def _stems(text: str) -> frozenset[str]:
    return frozenset(w[:6] for w in _WORD.findall(text.lower()) if len(w) > 3)


def _dice(a: frozenset, b: frozenset) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


@dataclass(frozen=True)
class Sentence:
    """A duty (or knowledge) sentence with its line and its concept set."""

    text: str
    line: int
    lang: str
    concepts: frozenset[str]
    stems: frozenset[str]


def sentences(items: Iterable[TextItem], lang: str) -> list[Sentence]:
    """Split items into sentences at ". " before a capital letter (a duty item may hold two)."""
    out = []
    for item in items:
        for piece in re.split(r"(?<=[.;])\s+(?=[А-ЯЁӘҒҚҢӨҰҮҺІ])", item.text):
            piece = piece.strip()
            if piece:
                out.append(Sentence(piece, item.line, lang, concepts(piece, lang), _stems(piece)))
    return out


def similarity(a: Sentence, b: Sentence) -> float:
    by_concept = _dice(a.concepts, b.concepts)
    if a.lang == b.lang:
        return max(by_concept, _dice(a.stems, b.stems))
    return by_concept


def align(a: list[Sentence], b: list[Sentence], threshold: float = 0.3
          ) -> list[tuple[int | None, int | None, float]]:
    """Order-preserving alignment (Needleman–Wunsch, gap 0, a pair scores its similarity when
    it reaches ``threshold``). Returns (i, j, score) with None for a gap, in order."""
    n, m = len(a), len(b)
    sim = [[similarity(x, y) for y in b] for x in a]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = sim[i][j] if sim[i][j] >= threshold else -1.0
            score[i][j] = max(score[i + 1][j], score[i][j + 1], score[i + 1][j + 1] + pair)
    out: list[tuple[int | None, int | None, float]] = []
    i = j = 0
    while i < n and j < m:
        pair = sim[i][j] if sim[i][j] >= threshold else -1.0
        if score[i][j] == score[i + 1][j + 1] + pair and pair >= 0:
            out.append((i, j, sim[i][j]))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            out.append((i, None, 0.0))
            i += 1
        else:
            out.append((None, j, 0.0))
            j += 1
    out.extend((k, None, 0.0) for k in range(i, n))
    out.extend((None, k, 0.0) for k in range(j, m))
    return out


def sequence_score(a: list[Sentence], b: list[Sentence]) -> float:
    """Aligned similarity mass over the longer list: 1.0 for two identical lists."""
    if not a or not b:
        return 0.0
    return sum(s for i, j, s in align(a, b) if i is not None and j is not None) / max(len(a), len(b))
