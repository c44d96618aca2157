"""The "linking" named graph (`kzid:graph/linking`): links from our graph to other datasets.

Built from the other named graphs and the reviewed tables of `data/reference/` (docs/linking.md):

* legal acts (ELI): `eli:in_force` where the status is known, `eli:cites` derived from the data
  (an act cites what the positions it defines must know, and what its text references),
  `owl:sameAs` from the key-based IRI `kzeli:minted/<key>` to `kzeli:<adilet-id>` once an id is
  verified. Names, `eli:type_document`, `eli:date_document`, `eli:id_local`, `eli:amends` /
  `eli:repeals` / `eli:based_on` and the Әділет `rdfs:seeAlso` pages are in the reference graph
  (`loaders/acts.py`), not repeated here;
* occupations: `occupation-mappings.csv` (2020 positions and profession cards -> ISCO-08) and
  `nkrk-isco.csv` (НК РК 01-2017 codes -> ISCO-08), with SKOS mapping properties. Only rows with
  status "linked" become triples; ESCO candidates ("candidate, URI unverified") never do;
* places and organisations: `places.yaml` (minted places, Wikidata Q232 for the country), the
  vacancy employers' addresses linked to them, `org:classification` for employers;
* ISCED 2011: minted `kzcode:isced-2011/<level>` concepts and `org-type-isced.csv`;
* Wikidata: `wikidata.csv` (Q232, Q37226 only).

Every table row is checked (allowed property, justification, well-formed target); a bad row raises
`SourceError` naming the file and line.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from loaders.base import SourceError
from loaders.namespaces import ELI, KZCODE, KZELI, KZID, KZO, ORG, PREFIXES, SCHEMA

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT / "data" / "reference"
SOURCES_YAML = REFERENCE_DIR / "sources.yaml"

ISCO = Namespace("http://data.europa.eu/esco/isco/C")
WD = Namespace("http://www.wikidata.org/entity/")
ISCED = Namespace(f"{KZCODE}isced-2011/")
ISCED_SCHEME = URIRef(f"{KZCODE}isced-2011")
PLACE = Namespace(f"{KZID}place/")
POSITION_2020 = f"{KZID}position/tqc-2020/"
CARD = f"{KZID}standard/pedagog-2022/card/"
NK_RK = f"{KZCODE}nk-rk-01-2017/"
ORG_TYPE = f"{KZCODE}org-type/"
ACT_STATUS = f"{KZCODE}act-status/"

# ISCO-08 groups that sources.md §6.3-§6.4 names with their meaning (the URI form
# http://data.europa.eu/esco/isco/C{code} is verified there). Only these become triples.
ISCO_VERIFIED = {
    "2341": "primary school teachers", "2342": "early childhood educators",
    "2330": "secondary education teachers", "2320": "vocational education teachers",
    "2351": "education methods specialists", "2352": "special needs teachers",
    "2359": "teaching professionals not elsewhere classified", "1345": "education managers",
    "2634": "psychologists", "2635": "social work and counselling professionals",
    "2266": "speech therapists", "5312": "teachers' aides", "3422": "sports instructors",
    "231": "university teachers", "233": "secondary education teachers (minor group)",
    "235": "other teaching professionals",
}
# Wikidata items verified in the issue text; nothing else is linked.
WIKIDATA_VERIFIED = {"Q232": "Kazakhstan", "Q37226": "teacher"}

MAPPING_PROPERTIES = {"closeMatch": SKOS.closeMatch, "broadMatch": SKOS.broadMatch,
                      "narrowMatch": SKOS.narrowMatch, "relatedMatch": SKOS.relatedMatch,
                      "exactMatch": SKOS.exactMatch}
WIKIDATA_PROPERTIES = {"owl:sameAs": OWL.sameAs, "skos:broadMatch": SKOS.broadMatch,
                       "skos:closeMatch": SKOS.closeMatch}
LINKED, ESCO_CANDIDATE, NO_LINK = "linked", "candidate, URI unverified", "no link"
OCC_STATUSES = (LINKED, ESCO_CANDIDATE, "unverified, no triple")
ISCED_LEVELS = {  # ISCED 2011 level names (en; ru unofficial translations)
    "0": ("Early childhood education", "Дошкольное образование и воспитание"),
    "1": ("Primary education", "Начальное образование"),
    "2": ("Lower secondary education", "Основное среднее образование"),
    "3": ("Upper secondary education", "Общее среднее образование"),
    "4": ("Post-secondary non-tertiary education", "Послесреднее нетретичное образование"),
    "5": ("Short-cycle tertiary education", "Краткосрочное третичное образование"),
    "6": ("Bachelor's or equivalent level", "Бакалавриат или эквивалентный уровень"),
    "7": ("Master's or equivalent level", "Магистратура или эквивалентный уровень"),
    "8": ("Doctoral or equivalent level", "Докторантура или эквивалентный уровень"),
}
PLACE_TYPES = {"country": SCHEMA.Country, "region": SCHEMA.AdministrativeArea, "city": SCHEMA.City}


def isco_iri(code: str) -> URIRef:
    """`http://data.europa.eu/esco/isco/C<code>` (the form sources.md §6.4 verifies)."""
    return ISCO[code]


# ----------------------------------------------------------------------------------------------
# tables
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One row of a reviewed CSV table, with its 1-based line for error messages."""

    path: Path
    line: int
    data: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return (self.data.get(key) or "").strip()

    def fail(self, message: str) -> SourceError:
        return SourceError(self.path, self.line, message)


def read_table(path: Path, columns: Iterable[str]) -> list[Row]:
    """Rows of a CSV file with a header; every row needs a justification.

    :raises SourceError: missing file or column, a row without justification.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, None, "reviewed table not found") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceError(path, 1, f"missing column(s) {missing}; header is {reader.fieldnames}")
    rows = []
    for data in reader:
        row = Row(path, reader.line_num, data)
        if not row["justification"]:
            raise row.fail("every row needs a justification")
        rows.append(row)
    return rows


def _check_isco(row: Row, code: str) -> None:
    if not re.fullmatch(r"\d{1,4}", code):
        raise row.fail(f"ISCO-08 code must be 1-4 digits, got {code!r}")


def _mapping_property(row: Row, name: str) -> URIRef:
    if name not in MAPPING_PROPERTIES:
        raise row.fail(f"property must be one of {sorted(MAPPING_PROPERTIES)}, got {name!r}")
    if name == "exactMatch" and "exactMatch because" not in row["justification"]:
        raise row.fail("exactMatch needs a stated reason ('exactMatch because ...') in the justification")
    return MAPPING_PROPERTIES[name]


def occupation_rows(path: Path | None = None) -> list[Row]:
    """`occupation-mappings.csv`, checked."""
    path = path or REFERENCE_DIR / "occupation-mappings.csv"
    rows = read_table(path, ("subject_kind", "subject", "target_scheme", "target", "property", "status",
                             "justification"))
    for row in rows:
        if row["subject_kind"] not in ("position-2020", "card"):
            raise row.fail(f"subject_kind must be position-2020 or card, got {row['subject_kind']!r}")
        if row["status"] not in OCC_STATUSES:
            raise row.fail(f"status must be one of {OCC_STATUSES}, got {row['status']!r}")
        _mapping_property(row, row["property"])
        if row["target_scheme"] == "isco-08":
            _check_isco(row, row["target"])
            if row["status"] == LINKED and row["target"] not in ISCO_VERIFIED:
                raise row.fail(f"ISCO {row['target']} is not among the verified groups; use status "
                               "'unverified, no triple'")
            if row["status"] == ESCO_CANDIDATE:
                raise row.fail("an ISCO row cannot have the ESCO candidate status")
        elif row["target_scheme"] == "esco-occupation":
            if row["status"] != ESCO_CANDIDATE:
                raise row.fail(f"ESCO rows must have status {ESCO_CANDIDATE!r} (no ESCO URI is verified)")
            if row["target"].startswith("http"):
                raise row.fail("record ESCO candidates by preferred label, never by an invented URI")
        else:
            raise row.fail(f"target_scheme must be isco-08 or esco-occupation, got {row['target_scheme']!r}")
    return rows


def nkrk_rows(path: Path | None = None) -> list[Row]:
    """`nkrk-isco.csv`, checked."""
    path = path or REFERENCE_DIR / "nkrk-isco.csv"
    rows = read_table(path, ("nkrk_code", "isco_code", "property", "status", "justification"))
    for row in rows:
        if not re.fullmatch(r"\d{3,4}(?:-\d{1,3}){0,2}", row["nkrk_code"]):
            raise row.fail(f"НК РК code not recognised: {row['nkrk_code']!r}")
        if row["status"] == NO_LINK:
            if row["isco_code"] or row["property"]:
                raise row.fail("a 'no link' row has no ISCO code and no property")
            continue
        if row["status"] != LINKED:
            raise row.fail(f"status must be {LINKED!r} or {NO_LINK!r}, got {row['status']!r}")
        _check_isco(row, row["isco_code"])
        if row["isco_code"] not in ISCO_VERIFIED:
            raise row.fail(f"ISCO {row['isco_code']} is not among the verified groups")
        _mapping_property(row, row["property"])
    return rows


def isced_rows(path: Path | None = None) -> list[Row]:
    """`org-type-isced.csv`, checked."""
    path = path or REFERENCE_DIR / "org-type-isced.csv"
    rows = read_table(path, ("org_type", "isced_level", "property", "status", "justification"))
    for row in rows:
        if row["status"] == NO_LINK:
            continue
        if row["status"] not in (LINKED, "unverified"):
            raise row.fail(f"status must be linked, unverified or 'no link', got {row['status']!r}")
        if row["isced_level"] not in ISCED_LEVELS:
            raise row.fail(f"ISCED 2011 level must be 0-8, got {row['isced_level']!r}")
        _mapping_property(row, row["property"])
    return rows


def wikidata_rows(path: Path | None = None) -> list[Row]:
    """`wikidata.csv`, checked: only the verified items."""
    path = path or REFERENCE_DIR / "wikidata.csv"
    rows = read_table(path, ("subject", "wikidata_id", "property", "justification"))
    for row in rows:
        if row["wikidata_id"] not in WIKIDATA_VERIFIED:
            raise row.fail(f"Wikidata {row['wikidata_id']!r} is not verified (only {sorted(WIKIDATA_VERIFIED)})")
        if row["property"] not in WIKIDATA_PROPERTIES:
            raise row.fail(f"property must be one of {sorted(WIKIDATA_PROPERTIES)}, got {row['property']!r}")
        if not re.fullmatch(r"[a-z0-9-]+(?:/[A-Za-z0-9.\-]+)+", row["subject"]):
            raise row.fail(f"subject must be a path under kzid:, got {row['subject']!r}")
    return rows


def load_places(path: Path | None = None) -> list[dict]:
    """`places.yaml`, checked."""
    path = path or REFERENCE_DIR / "places.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(path, None, "places table not found") from None
    places = data.get("places") if isinstance(data, dict) else None
    if not isinstance(places, list):
        raise SourceError(path, None, "expected a mapping with a 'places' list")
    keys = {p.get("key") for p in places if isinstance(p, dict)}
    for i, p in enumerate(places):
        where = f"place #{i} ({p.get('key') if isinstance(p, dict) else p!r})"
        if not isinstance(p, dict) or not re.fullmatch(r"[a-z0-9-]+", str(p.get("key", ""))):
            raise SourceError(path, None, f"{where}: needs an ascii 'key'")
        if p.get("type") not in PLACE_TYPES:
            raise SourceError(path, None, f"{where}: type must be one of {sorted(PLACE_TYPES)}")
        if not isinstance(p.get("name"), dict) or not {"ru", "kk", "en"} <= set(p["name"]):
            raise SourceError(path, None, f"{where}: name needs ru, kk and en")
        if p.get("within") and p["within"] not in keys:
            raise SourceError(path, None, f"{where}: 'within' names unknown place {p['within']!r}")
        if p.get("wikidata") and p["wikidata"] not in WIKIDATA_VERIFIED:
            raise SourceError(path, None, f"{where}: Wikidata {p['wikidata']} is not verified")
        if "kato" in p:
            raise SourceError(path, None, f"{where}: no КАТО code is verified; do not add one")
    return places


# ----------------------------------------------------------------------------------------------
# the graph
# ----------------------------------------------------------------------------------------------

def _subject(row: Row) -> URIRef:
    base = POSITION_2020 if row["subject_kind"] == "position-2020" else CARD
    return URIRef(base + row["subject"])


class _View:
    """Read-only union of the named graphs without copying them (a copy costs seconds)."""

    def __init__(self, graphs: Iterable[Graph]) -> None:
        self.graphs = list(graphs)

    def triples(self, pattern):
        for g in self.graphs:
            yield from g.triples(pattern)

    def __contains__(self, triple) -> bool:
        return any(triple in g for g in self.graphs)

    def subjects(self, p=None, o=None):
        return {s for s, _, _ in self.triples((None, p, o))}

    def objects(self, s=None, p=None):
        return [o for _, _, o in self.triples((s, p, None))]

    def subject_objects(self, p):
        return [(s, o) for s, _, o in self.triples((None, p, None))]


def _act_links(g: Graph, data: "_View", registry) -> None:
    for e in registry:
        s = URIRef(e.iri)
        if e.status in ("in-force", "repealed"):
            g.add((s, ELI.in_force, URIRef(f"{ACT_STATUS}{e.status}")))
        if e.adilet_id:
            # the rule of docs/linking.md: the key-based IRI stays valid once an id is verified
            g.add((URIRef(f"{KZELI}minted/{e.key}"), OWL.sameAs, s))
    acts = {URIRef(e.iri) for e in registry}
    # an act cites what the positions it defines must know
    for position, act in data.subject_objects(KZO.definedIn):
        for cited in data.objects(position, KZO.requiresKnowledgeOf):
            if cited != act and act in acts:
                g.add((act, ELI.cites, cited))
    # ... and the acts its text references (the standard: sources.yaml names the act of each text)
    sources = yaml.safe_load(SOURCES_YAML.read_text(encoding="utf-8")) or []
    for src in sources:
        if not src.get("act") or src["act"] not in registry:
            continue
        act = URIRef(registry.get(src["act"]).iri)
        doc = URIRef(f"{KZID}source/{src['file'].rsplit('.', 1)[0]}")
        for node in data.subjects(DCTERMS.references, None):
            if (node, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), doc) not in data:
                continue
            for cited in data.objects(node, DCTERMS.references):
                if cited in acts and cited != act:
                    g.add((act, ELI.cites, cited))


def _occupation_links(g: Graph, data: "_View") -> None:
    subjects = set(data.subjects(RDF.type, KZO.Position)) | set(data.subjects(RDF.type, KZO.ProfessionCard))
    for row in occupation_rows():
        subject = _subject(row)
        if subject not in subjects:
            raise row.fail(f"{subject} is not in the graph")
        if row["status"] != LINKED:
            continue
        target = isco_iri(row["target"])
        g.add((subject, MAPPING_PROPERTIES[row["property"]], target))
        g.add((target, SKOS.notation, Literal(row["target"])))
    concepts = set(data.subjects(SKOS.inScheme, URIRef(NK_RK.rstrip("/"))))
    for row in nkrk_rows():
        concept = URIRef(NK_RK + row["nkrk_code"])
        if concept not in concepts:
            raise row.fail(f"НК РК code {row['nkrk_code']} is not in the standard's graph")
        if row["status"] != LINKED:
            continue
        target = isco_iri(row["isco_code"])
        g.add((concept, MAPPING_PROPERTIES[row["property"]], target))
        g.add((target, SKOS.notation, Literal(row["isco_code"])))


def _isced(g: Graph) -> None:
    g.add((ISCED_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((ISCED_SCHEME, SKOS.prefLabel, Literal("ISCED 2011 levels of education", lang="en")))
    g.add((ISCED_SCHEME, SKOS.prefLabel, Literal("Уровни образования МСКО 2011", lang="ru")))
    g.add((ISCED_SCHEME, SKOS.editorialNote, Literal(
        "Minted by pedagog-kg: no official URI for the ISCED 2011 levels could be verified offline. "
        "If one is confirmed, each level gets skos:exactMatch to it (the same level, so exactMatch "
        "is justified there). No Kazakh labels: none is given in the sources and none is invented; "
        "the Russian labels are unofficial translations.", lang="en")))
    for level, (en, ru) in ISCED_LEVELS.items():
        c = ISCED[level]
        g.add((c, RDF.type, SKOS.Concept))
        g.add((c, SKOS.inScheme, ISCED_SCHEME))
        g.add((c, SKOS.topConceptOf, ISCED_SCHEME))
        g.add((c, SKOS.notation, Literal(level)))
        g.add((c, SKOS.prefLabel, Literal(f"ISCED {level}: {en}", lang="en")))
        g.add((c, SKOS.prefLabel, Literal(f"МСКО {level}: {ru}", lang="ru")))
    for row in isced_rows():
        if row["status"] == LINKED:
            g.add((URIRef(ORG_TYPE + row["org_type"]), MAPPING_PROPERTIES[row["property"]],
                   ISCED[row["isced_level"]]))


def _places(g: Graph, data: "_View") -> None:
    places = load_places()
    by_string: dict[str, URIRef] = {}
    country = None
    for p in places:
        iri = PLACE[p["key"]]
        g.add((iri, RDF.type, PLACE_TYPES[p["type"]]))
        for lang in ("ru", "kk", "en"):
            g.add((iri, SKOS.prefLabel, Literal(p["name"][lang], lang=lang)))
        g.add((iri, SKOS.editorialNote, Literal(
            "No КАТО code: none is given in the sources or known from a reliable offline source.", lang="en")))
        if p.get("within"):
            g.add((iri, SCHEMA.containedInPlace, PLACE[p["within"]]))
        if p.get("postcode"):
            g.add((iri, SCHEMA.postalCode, Literal(str(p["postcode"]))))
        if p.get("wikidata"):
            g.add((iri, OWL.sameAs, WD[p["wikidata"]]))
        if p["type"] == "country":
            country = iri
        for s in p.get("match") or []:
            by_string[s] = iri
    for org in set(data.subjects(SCHEMA.address, None)):
        for address in data.objects(org, SCHEMA.address):
            if country is not None:
                g.add((address, SCHEMA.addressCountry, country))
            # the settlement where known, else the region; the rest of the chain via containedInPlace
            for prop in (SCHEMA.addressLocality, SCHEMA.addressRegion):
                found = {by_string[str(v)] for v in data.objects(address, prop) if str(v) in by_string}
                if found:
                    for place in found:
                        g.add((org, SCHEMA.location, place))
                    break
    for org, org_type in data.subject_objects(KZO.organisationType):
        if (org, RDF.type, ORG.Organization) in data:
            g.add((org, ORG.classification, org_type))


def _wikidata(g: Graph, data: "_View") -> None:
    for row in wikidata_rows():
        subject = URIRef(KZID + row["subject"])
        if not row["subject"].startswith("place/") and not any(True for _ in data.triples((subject, None, None))):
            raise row.fail(f"{subject} is not in the graph")
        g.add((subject, WIKIDATA_PROPERTIES[row["property"]], WD[row["wikidata_id"]]))


def linking_graph(graphs: Mapping[str, Graph], registry) -> Graph:
    """The linking named graph, from the other named graphs (`collect_graphs`) and the tables.

    :raises SourceError: a table row is malformed or names something not in the graph.
    """
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("isco", ISCO)
    g.bind("wd", WD)
    data = _View(graphs.values())
    _act_links(g, data, registry)
    _occupation_links(g, data)
    _isced(g)
    _places(g, data)
    _wikidata(g, data)
    return g


__all__ = ["linking_graph", "isco_iri", "occupation_rows", "nkrk_rows", "isced_rows", "wikidata_rows",
           "load_places", "ISCO", "WD", "ISCED", "ISCO_VERIFIED", "WIKIDATA_VERIFIED", "MAPPING_PROPERTIES"]
