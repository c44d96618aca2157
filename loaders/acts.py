"""The legal-acts registry (`data/reference/legal-acts.yaml`): typed entries, a dictionary matcher
for damaged law lists, and the RDF of the reference graph.

The law lists of the sources ("Должен знать" / "Білуге міндетті") are scrambled by the
displaced-hyperlink rule (sources.md §1.7, §2.4): act names are cut into runs that land at line
ends, "Об" is lines away from "образовании", "Трудовой" from "кодекс". So acts are recognised by a
closed dictionary of keys that survive the splitting, never by restoring word order.

Matching rules of one entry, per language (`ru`, `kk`):

* `patterns[lang]`: regexes (Python `re`, case-insensitive), tried as one alternation in list order
  over the whitespace-collapsed block; every non-overlapping hit counts once.
* `count_minus[lang]` (optional): regexes whose hits are subtracted; the act is cited when
  hits(patterns) - hits(count_minus) >= 1. This is how «О правах ребенка» is told from the
  Convention: count(`правах`) - count(`Конвенци`) >= 1.
* `fragments[lang]` (optional): regexes for pieces of the act's title that are too ambiguous to
  cite the act but must not be reported by `unknown_act_names` (e.g. a lone «О специальных»).

Ids: `adilet_id` only where verified (sources.md §6.4); the IRI is `kzeli:<adilet_id>` then, else
`kzeli:minted/<key>`. Ids are stored, never computed.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from loaders.base import SourceError
from loaders.namespaces import ELI, KZCODE, KZELI, KZO, PREFIXES

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = REPO_ROOT / "data" / "reference" / "legal-acts.yaml"

KINDS = ("constitution", "code", "law", "convention", "order", "joint-order")
STATUSES = ("in-force", "repealed", "unverified", "suspect")
LANGS = ("ru", "kk")
NAME_LANGS = ("ru", "kk", "en")
RELATIONS = {"amends": ELI.amends, "repeals": ELI.repeals, "based_on": ELI.based_on}
# observed shape (sources.md §6.4, not official): letter + 2-digit year + 7-digit number + "_" (to
# 2010) or + 8-digit number (from 2011). NB: "Z070000319_" has 9 digits before "_".
ADILET_ID_RE = re.compile(r"^[ZKV]\d{9}_$|^[ZKV]\d{10}$")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ADILET_URL = "https://adilet.zan.kz/{lang}/docs/{id}"
ADILET_URL_LANGS = ("rus", "kaz", "eng")

_FLAGS = re.IGNORECASE | re.UNICODE


def collapse(text: str) -> str:
    """Whitespace-collapsed text: every run of whitespace becomes one space; stripped."""
    return re.sub(r"\s+", " ", text).strip()


def join_block(lines: Iterable[str]) -> str:
    """Join the physical lines of a law block the way the loaders do: drop blank or
    whitespace-only lines, join with one space, collapse whitespace."""
    return collapse(" ".join(line for line in lines if line.strip()))


@dataclass(frozen=True)
class LegalActEntry:
    """One act of the registry."""

    key: str
    kind: str
    names: Mapping[str, str]
    date: str | None
    number: str | None
    registration: str | None
    adilet_id: str | None
    status: str
    status_note: str | None
    iri: str
    relations: tuple[tuple[str, str], ...] = ()
    patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    count_minus: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fragments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    notes: str | None = None
    cited_in: tuple[str, ...] = ()

    def __hash__(self) -> int:
        return hash(self.key)

    def name(self, lang: str = "ru") -> str:
        """The name in `lang`, falling back to ru, then en."""
        return self.names.get(lang) or self.names.get("ru") or self.names.get("en") or self.key

    @property
    def verified_id(self) -> bool:
        return self.adilet_id is not None

    def adilet_urls(self) -> list[str]:
        """Әділет pages (rus, kaz, eng) — only for a verified id."""
        if not self.adilet_id:
            return []
        return [ADILET_URL.format(lang=lg, id=self.adilet_id) for lg in ADILET_URL_LANGS]


@dataclass(frozen=True)
class ActMatch:
    """An act recognised in a law block; `evidence` is the text that matched."""

    key: str
    iri: str
    evidence: str


def act_iri(key: str, adilet_id: str | None) -> str:
    """`kzeli:<adilet_id>` for a verified id, else `kzeli:minted/<key>`."""
    return f"{KZELI}{adilet_id}" if adilet_id else f"{KZELI}minted/{key}"


# ----------------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------------

class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> SourceError:
        return SourceError(self.path, None, f"{where}: {message}")

    def opt_str(self, raw: Mapping[str, Any], fld: str, where: str) -> str | None:
        value = raw.get(fld)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail(where, f"field '{fld}' must be a string, got {type(value).__name__}")
        value = str(value).strip()
        return value or None

    def lang_lists(self, raw: Mapping[str, Any], fld: str, where: str) -> dict[str, tuple[str, ...]]:
        value = raw.get(fld)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(where, f"field '{fld}' must be a mapping lang -> list of regexes")
        out: dict[str, tuple[str, ...]] = {}
        for lang, pats in value.items():
            if lang not in LANGS:
                raise self.fail(where, f"field '{fld}': unknown language {lang!r} (expected one of {LANGS})")
            if isinstance(pats, str):
                pats = [pats]
            if not isinstance(pats, list) or not pats or not all(isinstance(p, str) and p for p in pats):
                raise self.fail(where, f"field '{fld}.{lang}' must be a non-empty list of regex strings")
            for p in pats:
                try:
                    re.compile(p, _FLAGS)
                except re.error as exc:
                    raise self.fail(where, f"field '{fld}.{lang}': bad regex {p!r}: {exc}") from None
            out[lang] = tuple(pats)
        return out


def _parse_entry(raw: Any, index: int, chk: _Checker) -> tuple[LegalActEntry, list[tuple[str, str]]]:
    where = f"entry #{index}"
    if not isinstance(raw, Mapping):
        raise chk.fail(where, f"expected a mapping with 'key', 'kind', 'name', ..., got {type(raw).__name__}")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise chk.fail(where, f"field 'key' must be an ascii slug (a-z, 0-9, '-'), got {key!r}")
    where = f"entry #{index} (key '{key}')"
    known = {"key", "kind", "name", "date", "number", "registration", "adilet_id", "status",
             "status_note", "relations", "patterns", "count_minus", "fragments", "notes", "cited_in"}
    extra = set(raw) - known
    if extra:
        raise chk.fail(where, f"unknown field(s) {sorted(extra)}; expected only {sorted(known)}")

    kind = raw.get("kind")
    if kind not in KINDS:
        raise chk.fail(where, f"field 'kind' must be one of {KINDS}, got {kind!r}")

    names = raw.get("name")
    if not isinstance(names, Mapping) or not names.get("ru") or not names.get("en"):
        raise chk.fail(where, "field 'name' must be a mapping with at least 'ru' and 'en' (and 'kk' where known)")
    for lang, value in names.items():
        if lang not in NAME_LANGS or not isinstance(value, str) or not value.strip():
            raise chk.fail(where, f"field 'name.{lang}' must be a non-empty string in one of {NAME_LANGS}")

    date = raw.get("date")
    if isinstance(date, _dt.date):
        date = date.isoformat()
    if date is not None:
        if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise chk.fail(where, f"field 'date' must be an ISO date YYYY-MM-DD, got {date!r}")
        try:
            _dt.date.fromisoformat(date)
        except ValueError:
            raise chk.fail(where, f"field 'date' is not a valid date: {date!r}") from None

    adilet_id = chk.opt_str(raw, "adilet_id", where)
    if adilet_id is not None and not ADILET_ID_RE.match(adilet_id):
        raise chk.fail(where, f"field 'adilet_id' must have the observed shape [ZKV] + 9 digits + '_' or [ZKV] + 10 digits, got {adilet_id!r}")

    status = raw.get("status")
    if status not in STATUSES:
        raise chk.fail(where, f"field 'status' must be one of {STATUSES}, got {status!r}")

    rels_raw = raw.get("relations") or {}
    if not isinstance(rels_raw, Mapping):
        raise chk.fail(where, f"field 'relations' must be a mapping with keys {sorted(RELATIONS)}")
    relations: list[tuple[str, str]] = []
    for rel, targets in rels_raw.items():
        if rel not in RELATIONS:
            raise chk.fail(where, f"field 'relations': unknown relation {rel!r} (expected {sorted(RELATIONS)})")
        if isinstance(targets, str):
            targets = [targets]
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise chk.fail(where, f"field 'relations.{rel}' must be a list of registry keys")
        relations.extend((rel, t) for t in targets)

    patterns = chk.lang_lists(raw, "patterns", where)
    count_minus = chk.lang_lists(raw, "count_minus", where)
    fragments = chk.lang_lists(raw, "fragments", where)
    for lang in count_minus:
        if lang not in patterns:
            raise chk.fail(where, f"field 'count_minus.{lang}' needs 'patterns.{lang}'")

    cited = raw.get("cited_in") or []
    if isinstance(cited, str):
        cited = [cited]
    if not isinstance(cited, list) or not all(isinstance(c, str) for c in cited):
        raise chk.fail(where, "field 'cited_in' must be a list of strings")

    entry = LegalActEntry(
        key=key,
        kind=kind,
        names={k: v.strip() for k, v in names.items()},
        date=date,
        number=chk.opt_str(raw, "number", where),
        registration=chk.opt_str(raw, "registration", where),
        adilet_id=adilet_id,
        status=status,
        status_note=chk.opt_str(raw, "status_note", where),
        iri=act_iri(key, adilet_id),
        relations=tuple(relations),
        patterns=patterns,
        count_minus=count_minus,
        fragments=fragments,
        notes=chk.opt_str(raw, "notes", where),
        cited_in=tuple(cited),
    )
    return entry, relations


# ----------------------------------------------------------------------------------------------
# candidate act names for unknown_act_names
# ----------------------------------------------------------------------------------------------

# ru: a title starts with a capital "О"/"Об" (case-sensitive: lowercase "о" is the preposition of
# "Конвенцию о правах", "законодательство о труде") followed by a lowercase word.
_RU_TITLE_START = re.compile(r"(?<![\w-])Об?\s+(?=[а-яё])")
# the title runs until a quote, list punctuation, the next title start or "и другие"
_RU_TITLE_END = re.compile(r"[\"«»“”„;:,.]|\s(?=Об?\s)|\sи\s+други|\sнормативн")
# ru codes named by an adjective: "Трудовой кодекс", "Бюджетный кодекс"
_RU_CODE = re.compile(r"(?<![\w-])[А-ЯЁ][а-яё]+(?:ый|ой|ий)\s+[Кк]одекс\w*")
# kk: the words before "туралы", back to a quote or list punctuation
_KK_TURALY = re.compile(r"(?:[^\"«»“”„;:,.()]{0,80}?)(?<![\w-])туралы(?!\w)", re.IGNORECASE)
_MAX_TITLE_WORDS = 14


def _ru_candidates(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _RU_TITLE_START.finditer(text):
        start = m.start()
        end_m = _RU_TITLE_END.search(text, m.end())
        end = end_m.start() if end_m else len(text)
        words = text[start:end].split()
        if len(words) > _MAX_TITLE_WORDS:
            words = words[:_MAX_TITLE_WORDS]
            end = start + len(" ".join(words))
        if len(words) >= 2:
            spans.append((start, end))
    spans.extend((m.start(), m.end()) for m in _RU_CODE.finditer(text))
    return spans


def _kk_candidates(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _KK_TURALY.finditer(text):
        s = m.group(0)
        lead = len(s) - len(s.lstrip())
        start = m.start() + lead
        words = text[start:m.end()].split()
        if len(words) > 8:  # keep the last words before "туралы"
            words = words[-8:]
            start = m.end() - len(" ".join(words))
        if len(words) >= 2:
            spans.append((start, m.end()))
    return spans


# ----------------------------------------------------------------------------------------------
# the registry
# ----------------------------------------------------------------------------------------------

class Registry:
    """The legal-acts registry: lookup by key, matching of damaged law blocks, RDF."""

    def __init__(self, entries: Iterable[LegalActEntry], path: Path | None = None) -> None:
        self.path = path
        self._entries: dict[str, LegalActEntry] = {}
        for e in entries:
            if e.key in self._entries:
                raise SourceError(path or "legal-acts.yaml", None, f"duplicate key '{e.key}'")
            self._entries[e.key] = e
        for e in self._entries.values():
            for rel, target in e.relations:
                if target not in self._entries:
                    raise SourceError(path or "legal-acts.yaml", None,
                                      f"entry '{e.key}': relation {rel} names unknown key '{target}'")
        # one alternation per (entry, lang), in list order
        self._rx: dict[tuple[str, str], re.Pattern[str]] = {}
        self._rx_minus: dict[tuple[str, str], re.Pattern[str]] = {}
        self._rx_frag: dict[tuple[str, str], re.Pattern[str]] = {}
        for e in self._entries.values():
            for lang, pats in e.patterns.items():
                self._rx[(e.key, lang)] = re.compile("|".join(f"(?:{p})" for p in pats), _FLAGS)
            for lang, pats in e.count_minus.items():
                self._rx_minus[(e.key, lang)] = re.compile("|".join(f"(?:{p})" for p in pats), _FLAGS)
            for lang, pats in e.fragments.items():
                self._rx_frag[(e.key, lang)] = re.compile("|".join(f"(?:{p})" for p in pats), _FLAGS)

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> "Registry":
        path = Path(path) if path is not None else DEFAULT_PATH
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SourceError(path, None, "legal-acts registry not found") from None
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise SourceError(path, line + 1 if line is not None else None, f"invalid YAML: {exc}") from None
        chk = _Checker(path)
        if not isinstance(data, Mapping) or not isinstance(data.get("acts"), list):
            raise chk.fail("top level", "expected a mapping with a list 'acts'")
        entries = [_parse_entry(raw, i, chk)[0] for i, raw in enumerate(data["acts"])]
        seen: dict[str, int] = {}
        for i, e in enumerate(entries):
            if e.key in seen:
                raise chk.fail(f"entry #{i} (key '{e.key}')", f"duplicate key '{e.key}' (first at entry #{seen[e.key]})")
            seen[e.key] = i
        for i, e in enumerate(entries):
            for rel, target in e.relations:
                if target not in seen:
                    raise chk.fail(f"entry #{i} (key '{e.key}')",
                                   f"field 'relations.{rel}' names unknown key '{target}'")
        return cls(entries, path=path)

    # -- lookup ---------------------------------------------------------------------------------

    def get(self, key: str) -> LegalActEntry:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"no legal act with key {key!r} in the registry "
                           f"({self.path or 'legal-acts.yaml'})") from None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self):
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return list(self._entries)

    def by_adilet_id(self, adilet_id: str) -> LegalActEntry | None:
        for e in self._entries.values():
            if e.adilet_id == adilet_id:
                return e
        return None

    # -- matching -------------------------------------------------------------------------------

    @staticmethod
    def _check_lang(lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"unsupported language {lang!r}; expected one of {LANGS}")

    def _hits(self, text: str, lang: str) -> list[tuple[LegalActEntry, list[re.Match[str]]]]:
        """Every entry cited in `text`, with its (positive) hits."""
        out = []
        for e in self._entries.values():
            rx = self._rx.get((e.key, lang))
            if rx is None:
                continue
            hits = [m for m in rx.finditer(text) if m.end() > m.start()]
            if not hits:
                continue
            minus = self._rx_minus.get((e.key, lang))
            n_minus = sum(1 for m in minus.finditer(text) if m.end() > m.start()) if minus else 0
            if len(hits) - n_minus >= 1:
                out.append((e, hits))
        return out

    def match(self, block_text: str, lang: str = "ru") -> list[ActMatch]:
        """Acts cited in one law block (joined or not; whitespace is collapsed here).

        Order: by the position of each act's first hit in the block, then registry order.
        No key appears twice.
        """
        self._check_lang(lang)
        text = collapse(block_text or "")
        found = self._hits(text, lang)
        order = {e.key: i for i, e in enumerate(self._entries.values())}
        found.sort(key=lambda eh: (eh[1][0].start(), order[eh[0].key]))
        result = []
        for e, hits in found:
            # with a count rule, the evidence is the last hit (the first is often the minuend's)
            m = hits[-1] if e.count_minus.get(lang) else hits[0]
            result.append(ActMatch(key=e.key, iri=e.iri, evidence=m.group(0)))
        return result

    def unknown_act_names(self, block_text: str, lang: str = "ru") -> list[str]:
        """Title-like names in the block that no registry entry recognises.

        ru: "О …"/"Об …" titles (capital О, up to a quote, list punctuation, the next title or
        "и другие") and "<Adjective> кодекс"; kk: "… туралы". A candidate is known when it
        overlaps a hit of any entry's patterns or fragments (count rules ignored: a fragment of a
        known name is still known). Returns the unknown names in text order, without duplicates.
        """
        self._check_lang(lang)
        text = collapse(block_text or "")
        covered: list[tuple[int, int]] = []
        for e in self._entries.values():
            for rx in (self._rx.get((e.key, lang)), self._rx_frag.get((e.key, lang))):
                if rx is not None:
                    covered.extend((m.start(), m.end()) for m in rx.finditer(text) if m.end() > m.start())
        cands = _ru_candidates(text) if lang == "ru" else _kk_candidates(text)
        out: list[str] = []
        for s, t in sorted(cands):
            if any(a < t and s < b for a, b in covered):
                continue
            name = text[s:t].strip(" \"'«»“”„")
            if name and name not in out:
                out.append(name)
        return out


# ----------------------------------------------------------------------------------------------
# RDF
# ----------------------------------------------------------------------------------------------

ACT_KIND = KZCODE["act-kind/"]
ACT_STATUS = KZCODE["act-status/"]


def registry_graph(registry: Registry) -> Graph:
    """The acts as RDF for the reference named graph."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for e in registry:
        s = URIRef(e.iri)
        g.add((s, RDF.type, KZO.LegalAct))
        g.add((s, RDF.type, ELI.LegalResource))
        for lang in NAME_LANGS:
            if e.names.get(lang):
                g.add((s, SKOS.prefLabel, Literal(e.names[lang], lang=lang)))
        g.add((s, SKOS.editorialNote, Literal(
            "The English label is an unofficial translation.", lang="en")))
        if "kk" not in e.names:
            g.add((s, SKOS.editorialNote, Literal(
                "No Kazakh name: no source gives one and none is invented.", lang="en")))
        g.add((s, ELI.type_document, URIRef(f"{ACT_KIND}{e.kind}")))
        if e.date:
            g.add((s, ELI.date_document, Literal(e.date, datatype=XSD.date)))
        if e.number:
            g.add((s, ELI.id_local, Literal(e.number)))
        if e.registration:
            g.add((s, DCTERMS.identifier, Literal(f"MoJ registration № {e.registration}")))
        if e.adilet_id:
            g.add((s, KZO.adiletId, Literal(e.adilet_id)))
            for url in e.adilet_urls():
                g.add((s, RDFS.seeAlso, URIRef(url)))
        else:
            g.add((s, KZO.verificationNote, Literal(
                "No verified Әділет id: the IRI is minted from the registry key.", lang="en")))
        g.add((s, KZO.actStatus, URIRef(f"{ACT_STATUS}{e.status}")))
        for rel, target in e.relations:
            g.add((s, RELATIONS[rel], URIRef(registry.get(target).iri)))
        if e.status_note:
            g.add((s, KZO.verificationNote, Literal(e.status_note, lang="en")))
        if e.notes:
            g.add((s, RDFS.comment, Literal(e.notes, lang="en")))
    return g


__all__ = [
    "ActMatch", "LegalActEntry", "Registry", "registry_graph", "act_iri", "collapse", "join_block",
    "DEFAULT_PATH", "KINDS", "STATUSES",
]
