"""The ontology covers what the loaders emit, and nothing it declares is dead (issue: vocabulary drift).

Checked on the whole built dataset (every named graph), against the `ontology` named graph:

(a) every kzo: IRI used as a predicate, as the class of an rdf:type, or as any other object is declared;
(b) every kzcode: IRI used as an object is declared somewhere in the dataset: typed, in a scheme, and
    that scheme is a skos:ConceptScheme;
(c) every kzo: term the ontology declares is used by the data or by the code (loaders/, service/,
    queries/, shapes/), except the public contract of shared/docs/design.md;
(d) literals and IRIs sit where the declared kind and range of each property put them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

KZO = "https://w3id.org/kz-edu/onto#"
KZCODE = "https://w3id.org/kz-edu/code/"
ONTOLOGY_GRAPH = "https://w3id.org/kz-edu/id/graph/ontology"
OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ROOT = Path(__file__).resolve().parents[1]

# The public vocabulary contract (shared/docs/design.md, "Public vocabulary contract"): declared
# whether or not the current sources use them.
CONTRACT = set("""
    Position organisationType OrganisationType LegalAct requiresKnowledgeOf adiletId
    QualificationCategory nextCategory CategoryRequirement hasCategoryRequirement category hasDuty Duty
    acceptsEducation EducationLevel hasExperienceRequirement ExperienceRequirement minYears
    settlementType educationLevel sourceFile sourceLine DataQualityNote about Competence
    CompetencyCriterion CompetencyIndicator hasCriterion hasIndicator CategoryDescriptor criterion
    ProfessionCard occupationCode qualificationLevel Vacancy forPosition requiresDocument
""".split())
# Declared for a part of design.md that no loader implements yet: "A position that the 2008 and 2020
# texts both define gets one stable concept with a version node per regulation."
PLANNED = {"PositionConcept", "hasVersion", "versionOf"}
# Terms the code reads but no loader writes and the ontology therefore does not (yet) define.
# Each is a question to the module that reads it; declare the term once a loader emits it.
READ_BUT_NEVER_WRITTEN: dict[str, str] = {}
# Known values outside a declared range: (term, datatype) -> where they come from.
KNOWN_RANGE_DEVIATIONS: dict[tuple[str, str], str] = {}
# Where the code may name a term: Python (KZO.x, KZO["x"]), SPARQL and Turtle (kzo:x), full IRIs.
CODE_DIRS = ("loaders", "service", "queries", "shapes")
CODE_SUFFIXES = {".py", ".rq", ".ttl", ".json", ".yaml"}
NAME = r"([A-Za-z_]\w*)"
CODE_TERM = re.compile(rf"""KZO\.{NAME}|KZO\[["']{NAME}["']\]|kzo:{NAME}|kz-edu/onto#{NAME}""", re.ASCII)
# Literal datatypes a declared range accepts.
TEXT = {XSD + "string", RDF + "langString"}
ACCEPTS = {RDF + "PlainLiteral": TEXT, RDFS + "Literal": None}


def _rows(store, query: str) -> list[tuple]:
    return [tuple(term for term in row) for row in store.query(query)]


def _local(iri: str) -> str:
    return iri[len(KZO):] if iri.startswith(KZO) else iri


@pytest.fixture(scope="module")
def declared(store) -> dict[str, set[str]]:
    """kzo: term -> its OWL kinds, as the ontology graph declares them."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for s, k in _rows(store, f"""
        SELECT ?s ?k WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s a ?k
          FILTER(?k IN (<{OWL}Class>, <{OWL}ObjectProperty>, <{OWL}DatatypeProperty>, <{OWL}AnnotationProperty>))
          FILTER(STRSTARTS(STR(?s), "{KZO}")) }} }}"""):
        kinds[s.value].add(k.value)
    return kinds


@pytest.fixture(scope="module")
def used(store) -> dict[str, set[str]]:
    """kzo: IRI -> the graphs that use it as a predicate or as an object (rdf:type or other).

    The ontology's own statements about its terms (domains, ranges, sub-classes) are no use; its code
    lists are (their concepts are typed with kzo: classes and linked by kzo:nextCategory).
    """
    graphs: dict[str, set[str]] = defaultdict(set)
    for term, g in _rows(store, f"""
        SELECT DISTINCT ?t ?g WHERE {{ GRAPH ?g {{
          {{ ?s ?t ?o }} UNION {{ ?s ?p ?t FILTER(isIRI(?t)) }}
          FILTER(STRSTARTS(STR(?t), "{KZO}"))
          FILTER(?g != <{ONTOLOGY_GRAPH}> || !STRSTARTS(STR(?s), "{KZO}")) }} }}"""):
        graphs[term.value].add(g.value.rsplit("/", 1)[-1])
    return graphs


def _code_terms() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                for m in CODE_TERM.finditer(path.read_text(encoding="utf-8", errors="replace")):
                    found[next(g for g in m.groups() if g)].add(path.relative_to(ROOT).as_posix())
    return found


# ------------------------------------------------------------------------------- (a)

def test_every_used_kzo_term_is_declared(declared, used):
    missing = sorted(f"kzo:{_local(t)} (in {', '.join(sorted(gs))})" for t, gs in used.items() if t not in declared)
    assert missing == [], "terms the data uses but ontology/kzo.ttl does not declare:\n  " + "\n  ".join(missing)


def test_types_and_predicates_have_the_right_kind(store, declared):
    """A class is only used as a class, a property only as a property."""
    bad = []
    for (p,) in _rows(store, f"""SELECT DISTINCT ?p WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                                   FILTER(STRSTARTS(STR(?p), "{KZO}")) }}"""):
        if f"{OWL}Class" in declared.get(p.value, ()):
            bad.append(f"class kzo:{_local(p.value)} used as a predicate")
    for (c,) in _rows(store, f"""SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?s a ?c }}
                                   FILTER(STRSTARTS(STR(?c), "{KZO}")) }}"""):
        if c.value in declared and f"{OWL}Class" not in declared[c.value]:
            bad.append(f"property kzo:{_local(c.value)} used as a class")
    assert bad == []


# ------------------------------------------------------------------------------- (b)

def test_every_used_code_is_declared(store):
    objects = {o.value for (o,) in _rows(store, f"""
        SELECT DISTINCT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{KZCODE}")) }} }}""")}
    concepts = {c.value: s.value for c, s in _rows(store, f"""
        SELECT ?c (SAMPLE(?scheme) AS ?s) WHERE {{ GRAPH ?g {{ ?c a ?type ; <{SKOS}inScheme> ?scheme }} }}
        GROUP BY ?c""")}
    schemes = {s.value for (s,) in _rows(store, f"""
        SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a <{SKOS}ConceptScheme> }} }}""")}
    undeclared = sorted(o for o in objects if o not in concepts and o not in schemes)
    assert undeclared == [], "kzcode: IRIs used but declared nowhere (rdf:type + skos:inScheme):\n  " + \
        "\n  ".join(undeclared)
    assert sorted({s for s in concepts.values() if s not in schemes}) == []


# ------------------------------------------------------------------------------- (c)

def test_every_declared_term_is_used(declared, used):
    code = _code_terms()
    unused = sorted(f"kzo:{_local(t)}" for t in declared
                    if t not in used and _local(t) not in code and _local(t) not in CONTRACT | PLANNED)
    assert unused == [], ("declared in ontology/kzo.ttl but used neither by the data nor by loaders/, "
                          "service/, queries/ or shapes/ (remove them, or say why they stay):\n  "
                          + "\n  ".join(unused))


def test_contract_and_planned_terms_are_declared(declared):
    assert sorted(n for n in CONTRACT | PLANNED if KZO + n not in declared) == []


def test_terms_named_by_the_code_are_declared(declared):
    """What loaders/ and service/ write or read is documented too (not only what today's build holds)."""
    code = _code_terms()
    missing = sorted(f"kzo:{n} ({', '.join(sorted(code[n]))})" for n in code
                     if KZO + n not in declared and n not in READ_BUT_NEVER_WRITTEN)
    assert missing == [], "terms the code names but the ontology does not declare:\n  " + "\n  ".join(missing)


# ------------------------------------------------------------------------------- (d)

def test_values_fit_the_declared_kind_and_range(store, declared):
    ranges = {p.value: r.value for p, r in _rows(store, f"""
        SELECT ?p ?r WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?p <{RDFS}range> ?r }} }}""")}
    bad = []
    for p, kind, n, example in _rows(store, f"""
        SELECT ?p ?k (COUNT(*) AS ?n) (SAMPLE(?s) AS ?x) WHERE {{ GRAPH ?g {{ ?s ?p ?o
          FILTER(STRSTARTS(STR(?p), "{KZO}"))
          BIND(IF(isLiteral(?o), STR(DATATYPE(?o)), "node") AS ?k) }} }} GROUP BY ?p ?k"""):
        p, kind = p.value, kind.value
        kinds = declared.get(p, set())
        if f"{OWL}ObjectProperty" in kinds and kind != "node":
            bad.append(f"kzo:{_local(p)} is an object property but has {n.value} literal(s) ({example.value})")
        elif f"{OWL}DatatypeProperty" in kinds:
            if kind == "node":
                bad.append(f"kzo:{_local(p)} is a datatype property but has {n.value} node(s) ({example.value})")
            elif p in ranges:
                accepted = ACCEPTS.get(ranges[p], {ranges[p]})
                if accepted is not None and kind not in accepted \
                        and (_local(p), kind) not in KNOWN_RANGE_DEVIATIONS:
                    bad.append(f"kzo:{_local(p)} has range {ranges[p]} but {n.value} {kind} value(s) "
                               f"({example.value})")
    assert bad == []
