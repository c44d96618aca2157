"""Propose correspondences between the 2008 position blocks and the 2020 positions.

Nothing states these correspondences; they are judgements (docs/sources.md §2.6), proposed here
from three signals and reviewed by hand into ``data/reference/positions-2008-2020.csv``:

1. **Organisation type** (a gate). A 2008 block may only correspond to a 2020 position of a
   compatible type (``org_types`` in the glossary); a block whose title names no organisation
   inherits the types its section covers (``section_org_types``). Higher education, camps, the
   gifted-children centres and the training-and-production complex have no 2020 chapter.
2. **Title** (the score). Titles are reduced to language-neutral concepts with a reviewed kk<->ru
   glossary (``data/reference/title-glossary-kk-ru.yaml``). The *role* is the head noun — the last
   non-genitive role word of a Kazakh title, the first role word of a Russian one (hyphenated
   compounds give all their parts); other concepts qualify it, organisation words aside. A pair needs
   a shared role and, when either side has qualifiers, shared qualifiers:
   ``title = 0.5 + 0.5 * Dice(qualifiers)`` (+0.05 when the match goes through the 2008 title's
   parenthesised alias, which names the specific role).
3. **Duties** (tie-break and confidence). Cosine of TF-IDF vectors of cognate stems (the first five
   letters of long words without Kazakh-only letters: loanwords such as диагностика, олимпиада,
   концерт), which both languages share.

For each block the best title score wins; several 2020 positions tied on it (a generic 2008 block,
org-specific 2020 ones) all become ``skos:narrowMatch`` rows unless the duties single one out;
one winner is a ``skos:closeMatch``. The duties settle a tie only when they share real vocabulary
(cosine >= 0.3) and favour one position clearly (1.5x the runner-up). The output is deterministic.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from loaders.tqc2008_records import Block, Document2008
from loaders.tqc2020_records import Position2020

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
GLOSSARY = REFERENCE / "title-glossary-kk-ru.yaml"
CSV_PATH = REFERENCE / "positions-2008-2020.csv"
COLUMNS = ("block_2008", "position_2020", "mapping", "method", "confidence", "note",
           "title_2008", "title_2020")
GENITIVE_KK = re.compile(r"(ның|нің|дың|дің|тың|тің)$")
KK_ONLY = set("әғқңөұүһі")
ALIAS_BONUS = 0.05
DUTY_DECISIVE = 1.5       # best duty similarity this many times the runner-up's settles a tie …
DUTY_MIN = 0.3            # … provided the duties share this much vocabulary at all


@dataclass(frozen=True)
class Row:
    block_2008: str
    position_2020: str
    mapping: str          # closeMatch | narrowMatch | broadMatch | relatedMatch | "" (none)
    method: str
    confidence: str       # "0.00".."1.00", as written in the CSV
    note: str
    title_2008: str
    title_2020: str

    def as_list(self) -> list[str]:
        return [getattr(self, c) for c in COLUMNS]


# --------------------------------------------------------------------------- glossary
@dataclass(frozen=True)
class Glossary:
    stems: dict[str, dict[str, frozenset[str]]]    # lang -> stem -> concepts
    phrases: dict[str, list[tuple[str, frozenset[str]]]]
    role: frozenset[str]
    generic_role: frozenset[str]
    organisation: frozenset[str]
    org_types: dict[str, tuple[str, ...]]
    section_org_types: dict[str, tuple[str, ...]]


@lru_cache(maxsize=4)
def load_glossary(path: Path = GLOSSARY) -> Glossary:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    stems: dict[str, dict[str, set[str]]] = {"kk": {}, "ru": {}}
    phrases: dict[str, dict[str, set[str]]] = {"kk": {}, "ru": {}}
    for group in ("phrases", "concepts"):
        for concept, langs in data[group].items():
            for lang, words in langs.items():
                for w in words:
                    target = phrases if " " in w or group == "phrases" else stems
                    target[lang].setdefault(w.lower(), set()).add(concept)
    return Glossary(
        stems={lg: {s: frozenset(c) for s, c in d.items()} for lg, d in stems.items()},
        phrases={lg: sorted(((p, frozenset(c)) for p, c in d.items()), key=lambda x: -len(x[0]))
                 for lg, d in phrases.items()},
        role=frozenset(data["role"]), generic_role=frozenset(data.get("generic_role", ())),
        organisation=frozenset(data["organisation"]),
        org_types={k: tuple(v) for k, v in data["org_types"].items()},
        section_org_types={str(k): tuple(v) for k, v in data["section_org_types"].items()})


@dataclass(frozen=True)
class Label:
    text: str
    roles: frozenset[str]
    quals: frozenset[str]      # functional qualifiers (organisation words removed)
    alias: bool = False


def _word_concepts(word: str, g: Glossary, lang: str) -> frozenset[str]:
    best = max((s for s in g.stems[lang] if word.startswith(s)), key=len, default=None)
    return g.stems[lang][best] if best else frozenset()


def label(text: str, lang: str, g: Glossary, alias: bool = False) -> Label:
    """Concepts of one title: the head noun's roles and the other (functional) concepts."""
    low = " " + re.sub(r"\s+", " ", text.lower()) + " "
    quals: set[str] = set()
    for phrase, concepts in g.phrases[lang]:
        if phrase in low:
            quals |= concepts
            low = low.replace(phrase, " ")
    words = [w for w in re.split(r"[^\w-]+", low) if w]
    per_word = [(w, [_word_concepts(p, g, lang) for p in w.split("-") if p]) for w in words]
    role_words = [(i, w, parts) for i, (w, parts) in enumerate(per_word)
                  if any(c & g.role for c in parts)]
    head = None
    if lang == "kk":
        nominative = [rw for rw in role_words if not GENITIVE_KK.search(rw[1])]
        head = nominative[-1] if nominative else (role_words[-1] if role_words else None)
    elif role_words:
        head = role_words[0]
    roles: set[str] = set()
    for i, (w, parts) in enumerate(per_word):
        for c in parts:
            if head is not None and i == head[0]:
                roles |= c & g.role
                quals |= c - g.role
            else:
                quals |= c
    quals -= g.organisation
    quals -= g.role
    if roles - g.generic_role:
        roles -= g.generic_role
    return Label(text, frozenset(roles), frozenset(quals), alias)


def labels_2008(block: Block, g: Glossary) -> list[Label]:
    out = []
    for t in block.titles:
        out.append(label(re.sub(r"\([^()]*\)\s*$", "", t), "kk", g))
    out += [label(a, "kk", g, alias=True) for a in block.aliases]
    return out


def labels_2020(pos: Position2020, g: Glossary) -> list[Label]:
    title = re.sub(r"\([^()]*\)", " ", pos.title)
    return [label(title, "ru", g)] + [label(a, "ru", g) for a in pos.aliases]


def title_score(a: Label, b: Label) -> float:
    if not (a.roles & b.roles):
        return 0.0
    if not a.quals and not b.quals:
        dice = 1.0
    else:
        dice = 2 * len(a.quals & b.quals) / (len(a.quals) + len(b.quals))
        if dice == 0:
            return 0.0
    return 0.5 + 0.5 * dice + (ALIAS_BONUS if a.alias else 0.0)


# --------------------------------------------------------------------------- duties
def cognates(text: str) -> Counter:
    words = re.findall(r"[а-яёәғқңөұүһі]+", text.lower())
    return Counter(w[:5] for w in words if len(w) >= 6 and not (set(w[:5]) & KK_ONLY))


def _cosine(a: Counter, b: Counter, idf: dict[str, float]) -> float:
    dot = sum(a[t] * b[t] * idf.get(t, 0.0) ** 2 for t in a.keys() & b.keys())
    na = math.sqrt(sum((v * idf.get(t, 0.0)) ** 2 for t, v in a.items()))
    nb = math.sqrt(sum((v * idf.get(t, 0.0)) ** 2 for t, v in b.items()))
    return dot / (na * nb) if na and nb else 0.0


# --------------------------------------------------------------------------- matching
def compatible_types(block: Block, g: Glossary) -> tuple[str, ...]:
    if block.org_type == "other":
        return g.section_org_types.get(str(block.section), ())
    return g.org_types.get(block.org_type, (block.org_type,))


def match(doc: Document2008, positions: list[Position2020], glossary: Path = GLOSSARY) -> list[Row]:
    """One or more rows per 2008 block, in block order (2020 keys in document order)."""
    g = load_glossary(glossary)
    duty_2020 = {p.key: cognates(" ".join(it.text for it in p.points["duties"].items))
                 for p in positions if "duties" in p.points}
    df = Counter(t for c in duty_2020.values() for t in c)
    idf = {t: math.log(len(duty_2020) / n) for t, n in df.items()}
    order = {p.key: i for i, p in enumerate(positions)}
    rows: list[Row] = []
    for block in doc.blocks:
        types = compatible_types(block, g)
        if not types:
            rows.append(_none(block, f"organisation type «{block.org_type}» (section {block.section}) "
                                     "has no 2020 counterpart"))
            continue
        mine = labels_2008(block, g)
        duty = cognates(" ".join(d.item.text for d in block.duties))
        scored = []
        for pos in positions:
            if pos.division.org_type not in types:
                continue
            best = max(title_score(a, b) for a in mine for b in labels_2020(pos, g))
            if best > 0:
                scored.append((best, _cosine(duty, duty_2020.get(pos.key, Counter()), idf), pos))
        if not scored:
            rows.append(_none(block, "no 2020 title of a compatible organisation type shares its "
                                     "role and qualifiers"))
            continue
        top = max(s[0] for s in scored)
        tied = sorted((s for s in scored if abs(s[0] - top) < 1e-9), key=lambda s: order[s[2].key])
        method = "org-type+title"
        if len(tied) > 1:
            by_duty = sorted(tied, key=lambda s: -s[1])
            if by_duty[0][1] >= DUTY_MIN and by_duty[0][1] >= DUTY_DECISIVE * by_duty[1][1]:
                tied, method = [by_duty[0]], "org-type+title+duties"
        mapping = "closeMatch" if len(tied) == 1 else "narrowMatch"
        for title, dsim, pos in tied:
            conf = min(1.0, 0.75 * min(title, 1.0) + 0.25 * min(1.0, 2 * dsim))
            note = ("one of several 2020 positions tied on the title: the 2008 block is the "
                    "broader (generic or combined) position" if mapping == "narrowMatch" else "")
            rows.append(Row(block.key, pos.key, mapping, method, f"{conf:.2f}", note,
                            block.title, pos.title))
    return rows


def _none(block: Block, note: str) -> Row:
    return Row(block.key, "", "", "org-type+title", "", note, block.title, "")


def to_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(r.as_list())
    return buf.getvalue()


def read_csv(path: Path = CSV_PATH) -> list[Row]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [Row(**{c: rec[c] for c in COLUMNS}) for rec in csv.DictReader(fh)]
