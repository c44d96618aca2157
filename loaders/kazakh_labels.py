"""Kazakh labels of the 2020 positions, wherever a Kazakh text names them -> ``kzid:graph/labels-kk``.

The 2020 regulation is Russian only (``tqc-2020-ru.txt``), so its positions have no Kazakh title of
their own. Three Kazakh texts name some of them, and this module collects those names *from the
other named graphs* (nothing is hard-coded):

* **vacancy** — an announcement's Kazakh title (``schema:title`` @kk) names the position it is for
  (``kzo:forPosition``): «педагог-ассистент» for §3.9 (``ch3-p9``) in
  ``vacancy-kokshetau-assistant.txt``. The title's line is located in the announcement's Kazakh
  half (the ``kzo:VacancyText`` with ``dcterms:language "kk"``);
* **card** — a profession card of the standard «Педагог» whose mapping to the position is
  ``skos:closeMatch`` (the same job; ``narrowMatch`` / ``broadMatch`` / ``relatedMatch`` cards
  name another job and are skipped); the card's ``skos:prefLabel`` @kk at the card's line;
* **2008** — a 2008 block linked by ``skos:closeMatch`` in the 2008↔2020 correspondence
  (``kzid:graph/positions-2008-2020``): its title is the Kazakh title of the *predecessor* position,
  not of the 2020 one, and its label node is typed ``kzo:PredecessorTitle``.

Each label is a SKOS-XL label (``skosxl:Label``, ``skosxl:literalForm "…"@kk``) with
``kzo:sourceFile`` / ``kzo:sourceLine`` (where the title is printed), ``prov:wasDerivedFrom`` (the
announcement's Kazakh text, the card or the 2008 block, and the source document) and an English
``rdfs:comment``. The position links it with ``skosxl:prefLabel`` / ``skosxl:altLabel`` and also
carries the plain ``skos:prefLabel`` / ``skos:altLabel`` @kk, so label search finds it.

A ``skos:prefLabel`` @kk is given only where exactly one Kazakh title of the position itself is
known (from a vacancy or closeMatch cards; the same words printed on two cards of one appendix are
one title) and no other graph already gives the position a Kazakh prefLabel; a 2008 title is never
a prefLabel. Everything else is an altLabel. Identical words from several sources make one label
node (``prov:wasDerivedFrom`` each source; file and line of the first, by vacancy > card > 2008
and then line).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from loaders.namespaces import KZID, KZO, PREFIXES, SCHEMA, graph_iri
from loaders.sources import SOURCES_DIR

SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
GRAPH = graph_iri("labels-kk")
POSITION_2020 = f"{KZID}position/tqc-2020/"
POSITION_2008 = f"{KZID}position/tqc-2008/"
#: kinds of source, most authoritative first; only the first two can give a prefLabel
KINDS = ("vacancy", "card", "2008")


@dataclass
class Candidate:
    """One Kazakh title of a 2020 position, as one source prints it."""

    kind: str                  # one of KINDS
    text: str                  # the title as printed (whitespace collapsed)
    file: str
    line: int
    derived_from: URIRef       # the vacancy's Kazakh text, the card, the 2008 block
    document: URIRef | None    # kzid:source/<stem>
    slug: str                  # readable key of the source, for the label IRI
    comment: str               # English, for a person reading the label node


@dataclass
class _Label:
    form: str
    sources: list[Candidate] = field(default_factory=list)

    @property
    def primary(self) -> Candidate:
        return min(self.sources, key=lambda c: (KINDS.index(c.kind), c.line, c.slug))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def _key(text: str) -> str:
    return _clean(text).casefold()


def _kk(values) -> list[str]:
    return sorted(_clean(v) for v in values if isinstance(v, Literal) and v.language == "kk" and _clean(v))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _tail(iri: URIRef) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def kazakh_labels_graph(graphs: dict[str, Graph], sources_dir: Path | None = None) -> Graph:
    """The named graph ``kzid:graph/labels-kk``, derived from the other named graphs."""
    sources_dir = SOURCES_DIR if sources_dir is None else Path(sources_dir)
    union = Graph()
    for name, g in graphs.items():
        if name != GRAPH:
            union += g
    positions = {s for s in union.subjects(RDF.type, KZO.Position) if str(s).startswith(POSITION_2020)}
    candidates: dict[URIRef, list[Candidate]] = {}
    for pos, cand in [*_from_vacancies(union, positions, sources_dir), *_from_close_matches(union, positions)]:
        candidates.setdefault(pos, []).append(cand)
    return _model(union, candidates)


# -- where the titles come from ---------------------------------------------------------------

def _from_vacancies(g: Graph, positions: set[URIRef], sources_dir: Path):
    for vacancy in sorted(g.subjects(RDF.type, KZO.Vacancy)):
        titles = _kk(g.objects(vacancy, SCHEMA.title))
        file = g.value(vacancy, KZO.sourceFile)
        if not titles or file is None:
            continue
        text_kk = next((v for v in sorted(g.objects(vacancy, KZO.hasLanguageVersion))
                        if str(g.value(v, DCTERMS.language) or "") == "kk"), None)
        first = _int(g.value(text_kk, KZO.sourceLine)) if text_kk is not None else None
        last = _int(g.value(text_kk, KZO.sourceEndLine)) if text_kk is not None else None
        first = first or _int(g.value(vacancy, KZO.sourceLine)) or 1
        lines = _read_lines(sources_dir / str(file))
        for pos in sorted(g.objects(vacancy, KZO.forPosition)):
            if pos not in positions:
                continue
            for title in titles:
                line = _find_line(lines, title, first, last or len(lines))
                where = f"{file} l.{line}" if line else f"{file} (Kazakh text from l.{first})"
                yield pos, Candidate(
                    "vacancy", title, str(file), line or first, text_kk if text_kk is not None else vacancy,
                    g.value(vacancy, PROV.wasDerivedFrom), _tail(vacancy),
                    f"Kazakh title of the position in the announcement's Kazakh text ({where}), "
                    f"which is for this position (kzo:forPosition)"
                    + ("" if line else "; the title's own line was not found, the line is where the "
                                       "Kazakh text starts") + ".")


def _from_close_matches(g: Graph, positions: set[URIRef]):
    for subject, pos in sorted(g.subject_objects(SKOS.closeMatch)):
        if pos not in positions:
            continue
        file, line = g.value(subject, KZO.sourceFile), _int(g.value(subject, KZO.sourceLine))
        if file is None or line is None:
            continue
        document = g.value(subject, PROV.wasDerivedFrom)
        if (subject, RDF.type, KZO.ProfessionCard) in g:
            for title in _kk(g.objects(subject, SKOS.prefLabel)):
                yield pos, Candidate(
                    "card", title, str(file), line, subject, document, f"card-{_tail(subject)}",
                    f"Title of the profession card {_tail(subject)} of the professional standard "
                    f"«Педагог» ({file} l.{line}), a close match of this position (skos:closeMatch).")
        elif str(subject).startswith(POSITION_2008) and (subject, RDF.type, KZO.Position) in g:
            for title in _kk(g.objects(subject, SKOS.prefLabel)):
                yield pos, Candidate(
                    "2008", title, str(file), line, subject, document, f"tqc-2008-{_tail(subject)}",
                    f"Kazakh title of the predecessor position: the 2008 block {_tail(subject)} "
                    f"({file} l.{line}) of the repealed 2008 text, which corresponds to this position "
                    "(skos:closeMatch in the 2008–2020 correspondence). Not a title of the 2020 position.")


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def _find_line(lines: list[str], title: str, first: int, last: int) -> int | None:
    """1-based line, between `first` and `last`, on which `title` is printed (whitespace-insensitive)."""
    want = _key(title)
    for no in range(max(first, 1), min(last, len(lines)) + 1):
        if want in _key(lines[no - 1]):
            return no
    return None


# -- the graph ----------------------------------------------------------------------------------

def _model(g: Graph, candidates: dict[URIRef, list[Candidate]]) -> Graph:
    out = Graph(identifier=URIRef(GRAPH))
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
    out.bind("skosxl", SKOSXL)
    for pos in sorted(candidates):
        labels: dict[str, _Label] = {}
        for cand in candidates[pos]:
            labels.setdefault(_key(cand.text), _Label(cand.text)).sources.append(cand)
        # the position's own Kazakh titles (not the predecessor's): a prefLabel only when exactly one
        own = {k for k, lab in labels.items() if any(c.kind != "2008" for c in lab.sources)}
        existing = {_key(l) for l in g.objects(pos, SKOS.prefLabel) if isinstance(l, Literal) and l.language == "kk"}
        has_pref = bool(existing)
        pref = next(iter(own)) if len(own) == 1 and not has_pref else None
        used: set[str] = set()
        for key, lab in sorted(labels.items(), key=lambda kv: (KINDS.index(kv[1].primary.kind),
                                                                kv[1].primary.line, kv[0])):
            p = lab.primary
            slug = p.slug if p.slug not in used else f"{p.slug}-{len(used) + 1}"
            used.add(slug)
            node = URIRef(f"{pos}/label/kk/{slug}")
            out.add((node, RDF.type, SKOSXL.Label))
            if p.kind == "2008":
                out.add((node, RDF.type, KZO.PredecessorTitle))
            out.add((node, SKOSXL.literalForm, Literal(lab.form, lang="kk")))
            out.add((node, KZO.sourceFile, Literal(p.file)))
            out.add((node, KZO.sourceLine, Literal(p.line, datatype=XSD.integer)))
            for c in sorted(lab.sources, key=lambda c: (KINDS.index(c.kind), c.line, c.slug)):
                out.add((node, PROV.wasDerivedFrom, c.derived_from))
                if c.document is not None:
                    out.add((node, PROV.wasDerivedFrom, c.document))
                out.add((node, RDFS.comment, Literal(c.comment, lang="en")))
            if key == pref:
                out.add((pos, SKOSXL.prefLabel, node))
                out.add((pos, SKOS.prefLabel, Literal(lab.form, lang="kk")))
            else:
                out.add((pos, SKOSXL.altLabel, node))
                if key not in existing:   # a prefLabel's words are never also an altLabel
                    out.add((pos, SKOS.altLabel, Literal(lab.form, lang="kk")))
    return out
