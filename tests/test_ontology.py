"""The ontology (ontology/*.ttl) and its code lists (ontology/codes/*.ttl): parsing, lint, reasoning.

The lint follows docs/style.md item 14: every term of our namespace is declared, labelled and
defined in ru, kk and en; no TODO or HTML in literals; no xsd range on an object property; no
string under two language tags. HermiT (through owlready2, on Java) checks consistency.
"""
from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from loaders.ontology_files import ONTOLOGY_DIR, ontology_files, ontology_graph

KZO = Namespace("https://w3id.org/kz-edu/onto#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain Namespace: pytest probes module globals
CODE = "https://w3id.org/kz-edu/code/"
VANN = Namespace("http://purl.org/vocab/vann/")
DCT = Namespace("http://purl.org/dc/terms/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("https://schema.org/")
LANGS = ("ru", "kk", "en")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)

# The public vocabulary contract of shared/docs/design.md: never rename these.
CONTRACT_CLASSES = [
    "Position", "LegalAct", "QualificationCategory", "OrganisationType", "CategoryRequirement",
    "Duty", "EducationLevel", "ExperienceRequirement", "DataQualityNote", "Competence",
    "CompetencyCriterion", "CompetencyIndicator", "CategoryDescriptor", "ProfessionCard", "Vacancy",
]
CONTRACT_OBJECT_PROPERTIES = [
    "organisationType", "requiresKnowledgeOf", "nextCategory", "hasCategoryRequirement", "category",
    "hasDuty", "acceptsEducation", "hasExperienceRequirement", "settlementType", "educationLevel",
    "about", "hasCriterion", "hasIndicator", "criterion", "forPosition", "requiresDocument",
]
CONTRACT_DATATYPE_PROPERTIES = {
    "adiletId": XSD.string, "sourceFile": XSD.string, "sourceLine": XSD.integer,
    "minYears": XSD.decimal, "occupationCode": XSD.string, "qualificationLevel": XSD.string,
}
CONTRACT_SUBCLASSES = [
    ("LegalAct", ELI.LegalResource), ("QualificationCategory", SKOS.Concept),
    ("OrganisationType", SKOS.Concept), ("EducationLevel", SKOS.Concept),
    ("Vacancy", SCHEMA.JobPosting),
]
# Terms of docs/model.md and of the other sources (standard, vacancies, portfolios).
MODEL_TERMS = """
    PositionConcept hasVersion versionOf DocumentDivision division definedIn paragraphNumber
    pointNumber KnowledgeArea requiresKnowledgeArea QualificationRequirement
    hasQualificationRequirement EducationPath hasEducationPath educationProfile
    pedagogicalEducation grantsCategoryRights maxYears recentYears administrativeLevel
    experienceKind inPosition alternativeTo includesRequirement needsReview
    levelNumber refersToCategoryText refersToCategory
    CompetencyStatement hasCompetencyStatement rank actStatus verificationNote noteKind
    quotedText sourceEndLine rawText LabourFunction hasLabourFunction Task hasTask
    KnowledgeItem requiresKnowledge SkillItem requiresSkill
    RequiredDocument conditional VacancyDeviation deviationOf Portfolio
    targetPosition targetCategory targetVacancy currentCategory categoryAwarded hasEducation Education
    experienceYears pedagogicalYears specialtyYears positionYears managerialYears enterpriseYears
    teachingActivity holdsDocument academicDegree certificate personId
""".split()
# Every other term the loaders emit is checked against the built graph by
# tests/test_vocabulary_coverage.py.

# Code lists the loaders rely on: scheme -> (class of its concepts, slugs).
SCHEMES = {
    "category": ("QualificationCategory", ["pedagog", "moderator", "expert", "researcher", "master"]),
    "manager-category": ("QualificationCategory", ["manager", "manager-3", "manager-2", "manager-1"]),
    "legacy-category": ("QualificationCategory", ["first", "highest"]),
    "org-type": ("OrganisationType", [
        "preschool", "secondary", "orphans", "special", "additional-children", "adult-training",
        "methodological", "tvet", "higher", "camp", "sports", "gifted-centre",
        "training-production-complex", "other"]),
    "education": ("EducationLevel", [
        "higher", "postgraduate", "tvet", "pedagogical-retraining", "academic-degree",
        "reserve-officer", "course-certificate"]),
    "settlement": ("SettlementType", ["urban", "rural"]),
    "admin-level": ("AdministrativeLevel", ["oblast", "district"]),
    "experience-kind": ("ExperienceKind", [
        "pedagogical", "specialty", "in-position", "managerial", "enterprise", "any"]),
    "note-kind": ("NoteKind", [
        "typo", "copy-paste", "broken-reference", "category-mislabel", "suspicious-rule",
        "unknown-act", "suspect-act", "glitch", "ambiguous-rule"]),
    "act-status": ("ActStatus", ["in-force", "repealed", "unverified", "suspect"]),
    "act-kind": ("ActKind", ["constitution", "code", "law", "convention", "order", "joint-order"]),
    "academic-degree": ("AcademicDegree", ["doctor-of-sciences", "candidate-of-sciences", "phd", "master"]),
    "deviation-kind": ("DeviationKind", [
        "duty-added", "duty-removed", "duty-changed", "duty-moved", "act-missing", "act-added",
        "act-name-hybrid", "knowledge-added", "knowledge-removed", "experience-threshold-differs",
        "experience-kind-differs", "experience-level-differs", "requirement-meaning-reversed",
        "category-rights-differ", "education-path-added", "education-path-removed",
        "category-chain-differs", "category-level-missing", "competencies-omitted",
        "regulation-anomaly-copied"]),
    "severity": ("Severity", ["high", "medium", "low", "info"]),
    "document-condition": ("DocumentCondition", ["if-available", "applies-to", "exemption"]),
    "salary-basis": ("SalaryBasis", ["length-of-service", "category-and-service"]),
}
CHAINS = {scheme: SCHEMES[scheme][1] for scheme in ("category", "manager-category", "legacy-category")}

# The same string under two language tags is a flaw, except where the two languages really
# share the word (each case says why, in an skos:editorialNote on the subject as well).
SHARED_WORDING = {
    (URIRef(CODE + "category/moderator"), SKOS.prefLabel): "«педагог-модератор» is the ru and the kk name",
    (URIRef(CODE + "act-kind/constitution"), SKOS.prefLabel): "«конституция» is the ru and the kk word",
    (URIRef(CODE + "act-kind/code"), SKOS.prefLabel): "«кодекс» is the ru and the kk word",
    (URIRef(CODE + "act-kind/convention"), SKOS.prefLabel): "«конвенция» is the ru and the kk word",
}
# Datatype properties without an rdfs:range, and why.
NO_RANGE = {
    KZO.categoryAwarded: "xsd:date is not in the OWL 2 datatype map; SHACL enforces the datatype",
    KZO.applicationsFrom: "xsd:date is not in the OWL 2 datatype map; SHACL enforces the datatype",
}
TEXT_RANGES = {RDF.PlainLiteral}  # language-tagged text (rdf:langString is not in the OWL 2 map)
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return ontology_graph()


def kzo_terms(graph: Graph) -> dict[URIRef, set[URIRef]]:
    terms: dict[URIRef, set[URIRef]] = defaultdict(set)
    for kind in TERM_TYPES:
        for s in graph.subjects(RDF.type, kind):
            if isinstance(s, URIRef) and s.startswith(str(KZO)):
                terms[s].add(kind)
    return terms


def concepts(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, SKOS.Concept)} | {
        s for s in graph.subjects(RDF.type, SKOS.ConceptScheme)}


# ------------------------------------------------------------------------------- (a) parsing

def test_files_exist():
    names = [p.relative_to(ONTOLOGY_DIR).as_posix() for p in ontology_files()]
    assert "kzo.ttl" in names
    assert sorted(n for n in names if n.startswith("codes/")) == sorted(f"codes/{s}.ttl" for s in SCHEMES)


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.relative_to(ONTOLOGY_DIR).as_posix())
def test_file_parses(path: Path):
    g = Graph().parse(path, format="turtle")
    assert len(g) > 0


# ------------------------------------------------------------------------------- (b) lint

def test_header(graph: Graph):
    onto = URIRef("https://w3id.org/kz-edu/onto")
    assert (onto, RDF.type, OWL.Ontology) in graph
    assert graph.value(onto, OWL.versionInfo) is not None
    assert isinstance(graph.value(onto, OWL.versionIRI), URIRef)
    assert str(graph.value(onto, VANN.preferredNamespacePrefix)) == "kzo"
    assert str(graph.value(onto, VANN.preferredNamespaceUri)) == str(KZO)
    assert graph.value(onto, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(onto, DCT.issued) == Literal("2026-12-02", datatype=XSD.date)
    assert graph.value(onto, DCT.creator) is not None
    for prop in (DCT.title, DCT.description):
        assert sorted(o.language for o in graph.objects(onto, prop)) == sorted(LANGS), prop
    notes = " ".join(graph.objects(onto, SKOS.editorialNote))
    assert "unofficial" in notes


def test_every_kzo_iri_is_declared(graph: Graph):
    declared = kzo_terms(graph)
    used = {n for triple in graph for n in triple if isinstance(n, URIRef) and n.startswith(str(KZO))}
    assert sorted(used - set(declared)) == []


def test_each_term_has_one_kind(graph: Graph):
    clashes = {t: kinds for t, kinds in kzo_terms(graph).items() if len(kinds) != 1}
    assert clashes == {}


@pytest.mark.parametrize("contract", ["classes", "object", "datatype"])
def test_contract_terms_declared(graph: Graph, contract: str):
    expected = {
        "classes": (CONTRACT_CLASSES, OWL.Class),
        "object": (CONTRACT_OBJECT_PROPERTIES, OWL.ObjectProperty),
        "datatype": (list(CONTRACT_DATATYPE_PROPERTIES), OWL.DatatypeProperty),
    }[contract]
    missing = [n for n in expected[0] if (KZO[n], RDF.type, expected[1]) not in graph]
    assert missing == []


def test_contract_axioms(graph: Graph):
    for sub, sup in CONTRACT_SUBCLASSES:
        assert (KZO[sub], RDFS.subClassOf, sup) in graph, sub
    for name, datatype in CONTRACT_DATATYPE_PROPERTIES.items():
        assert graph.value(KZO[name], RDFS.range) == datatype, name


def test_model_terms_declared(graph: Graph):
    declared = kzo_terms(graph)
    assert [n for n in MODEL_TERMS if KZO[n] not in declared] == []


def _lang_values(graph: Graph, subject, prop) -> dict[str, list[Literal]]:
    values: dict[str, list[Literal]] = defaultdict(list)
    for o in graph.objects(subject, prop):
        values[getattr(o, "language", None)].append(o)
    return values


def test_terms_labelled_and_defined(graph: Graph):
    problems = []
    for term in kzo_terms(graph):
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.definition):
            values = _lang_values(graph, term, prop)
            for lang in LANGS:
                if len(values.get(lang, [])) != 1:
                    problems.append(f"{term.split('#')[1]} {prop.n3(graph.namespace_manager)}@{lang}")
    assert problems == []


def test_concepts_labelled_and_defined(graph: Graph):
    problems = []
    for c in concepts(graph):
        for prop in (SKOS.prefLabel, SKOS.definition):
            values = _lang_values(graph, c, prop)
            for lang in LANGS:
                if len(values.get(lang, [])) != 1:
                    problems.append(f"{c} {prop.n3(graph.namespace_manager)}@{lang}")
    assert problems == []


def test_language_tags(graph: Graph):
    tags = {o.language for o in graph.objects() if isinstance(o, Literal) and o.language}
    assert tags <= set(LANGS)


def test_no_todo_or_html(graph: Graph):
    bad = [str(o) for o in graph.objects() if isinstance(o, Literal)
           and ("TODO" in str(o).upper() or HTML_TAG.search(str(o)))]
    assert bad == []


def test_dates_are_typed(graph: Graph):
    bad = [str(o) for o in graph.objects() if isinstance(o, Literal)
           and DATE_LIKE.match(str(o)) and o.datatype != XSD.date]
    assert bad == []


def test_no_string_under_two_language_tags(graph: Graph):
    problems = []
    for s, p in {(s, p) for s, p, o in graph if isinstance(o, Literal) and o.language}:
        by_text: dict[str, set[str]] = defaultdict(set)
        for o in graph.objects(s, p):
            if isinstance(o, Literal) and o.language:
                by_text[str(o)].add(o.language)
        for text, langs in by_text.items():
            if len(langs) > 1 and (s, p) not in SHARED_WORDING:
                problems.append(f"{s} {p}: {text!r} under {sorted(langs)}")
    assert problems == []
    for s, _ in SHARED_WORDING:
        assert graph.value(s, SKOS.editorialNote) is not None, s


def test_object_properties_have_no_datatype_range(graph: Graph):
    bad = []
    for p in graph.subjects(RDF.type, OWL.ObjectProperty):
        for r in graph.objects(p, RDFS.range):
            if str(r).startswith(str(XSD)) or r in (RDFS.Literal, RDF.PlainLiteral, RDF.langString) \
                    or (r, RDF.type, RDFS.Datatype) in graph:
                bad.append((p, r))
    assert bad == []


def test_datatype_properties_have_datatype_range(graph: Graph):
    bad = []
    for p in graph.subjects(RDF.type, OWL.DatatypeProperty):
        ranges = set(graph.objects(p, RDFS.range))
        if p in NO_RANGE:
            if ranges or graph.value(p, SKOS.editorialNote) is None:
                bad.append((p, "listed in NO_RANGE: needs no range and an editorial note"))
        elif len(ranges) != 1 or not all(str(r).startswith(str(XSD)) or r in TEXT_RANGES for r in ranges):
            bad.append((p, sorted(ranges)))
    assert bad == []


def test_inverse_definitions_agree(graph: Graph):
    bad = []
    for p, q in graph.subject_objects(OWL.inverseOf):
        for a, b in ((p, q), (q, p)):
            en = next(o for o in graph.objects(a, SKOS.definition) if o.language == "en")
            if f"kzo:{b.split('#')[1]}" not in en:
                bad.append((a, b))
    assert bad == []


# ------------------------------------------------------------------------------- code lists

@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_code_list(graph: Graph, scheme: str):
    scheme_iri = URIRef(CODE + scheme)
    cls, slugs = SCHEMES[scheme]
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in graph
    members = sorted(graph.subjects(SKOS.inScheme, scheme_iri))
    assert members == sorted(URIRef(f"{CODE}{scheme}/{slug}") for slug in slugs)
    for c in members:
        assert (c, RDF.type, SKOS.Concept) in graph
        assert (c, RDF.type, KZO[cls]) in graph
        assert (c, SKOS.topConceptOf, scheme_iri) in graph
        assert (scheme_iri, SKOS.hasTopConcept, c) in graph
        assert len(list(graph.objects(c, SKOS.notation))) == 1
        assert list(graph.objects(c, SKOS.inScheme)) == [scheme_iri]
    notations = [str(graph.value(c, SKOS.notation)) for c in members]
    assert len(set(notations)) == len(notations)


def test_category_notations(graph: Graph):
    got = {str(graph.value(URIRef(f"{CODE}category/{s}"), SKOS.notation)) for s in CHAINS["category"]}
    assert got == {"1", "2", "3", "4", "5"}


@pytest.mark.parametrize("scheme", sorted(CHAINS))
def test_next_category_chain(graph: Graph, scheme: str):
    expected = [URIRef(f"{CODE}{scheme}/{slug}") for slug in CHAINS[scheme]]
    chain, node, seen = [], expected[0], set()
    while node is not None:
        assert node not in seen, f"cycle at {node}"
        seen.add(node)
        chain.append(node)
        nexts = list(graph.objects(node, KZO.nextCategory))
        assert len(nexts) <= 1, node
        node = nexts[0] if nexts else None
    assert chain == expected
    assert [graph.value(c, KZO.rank) for c in chain] == [Literal(i) for i in range(1, len(chain) + 1)]
    # nothing outside the scheme points into it, and nothing precedes its first concept
    assert list(graph.subjects(KZO.nextCategory, expected[0])) == []


def test_no_next_category_cycles(graph: Graph):
    for start in set(graph.subjects(KZO.nextCategory, None)):
        node, seen = start, set()
        while node is not None:
            assert node not in seen, f"cycle through {start}"
            seen.add(node)
            node = graph.value(node, KZO.nextCategory)


# ------------------------------------------------------------------------------- (c) HermiT

needs_java = pytest.mark.skipif(shutil.which("java") is None,
                                reason="java is not on PATH: owlready2's HermiT reasoner needs Java")


def _reason(graph: Graph, tmp_path: Path):
    owlready2 = pytest.importorskip("owlready2")
    path = tmp_path / "ontology.nt"  # owlready2 cannot read Turtle
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    owlready2.sync_reasoner_hermit([onto], infer_property_values=False, debug=0)
    return owlready2, world


@needs_java
def test_hermit_consistent(graph: Graph, tmp_path: Path):
    owlready2, world = _reason(graph, tmp_path)
    assert list(world.inconsistent_classes()) == []
    assert world["https://w3id.org/kz-edu/onto#nextCategory"] is not None


@needs_java
def test_hermit_catches_a_category_loop(graph: Graph, tmp_path: Path):
    """Control: the axioms on kzo:nextCategory really constrain the data (irreflexive, asymmetric)."""
    owlready2 = pytest.importorskip("owlready2")
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    master, expert = URIRef(CODE + "category/master"), URIRef(CODE + "category/expert")
    broken.add((master, KZO.nextCategory, expert))
    broken.add((expert, KZO.nextCategory, master))  # expert now has two nexts and a 2-cycle
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(broken, tmp_path)
