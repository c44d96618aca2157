"""Issue 6: links to ISCO-08, Wikidata, Әділет; places; ISCED; federation through SERVICE."""
from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from loaders.acts import Registry
from loaders.base import SourceError
from loaders import linking
from service_fixtures import free_port, make_client

REPO = Path(__file__).resolve().parents[1]
LINKING = "https://w3id.org/kz-edu/id/graph/linking"
ISCO_RE = re.compile(r"http://data\.europa\.eu/esco/isco/C\d{1,4}")
WD_RE = re.compile(r"http://www\.wikidata\.org/entity/Q\d+")
ADILET_RE = re.compile(r"https://adilet\.zan\.kz/(rus|kaz|eng)/docs/([ZKV]\d{9}_|[ZKV]\d{10})")
POS = "https://w3id.org/kz-edu/id/position/tqc-2020/"


@pytest.fixture(scope="module")
def quads(built):
    build_dir, _ = built
    return list(ox.parse(path=str(build_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS))


def iris(quads):
    return {t.value for q in quads for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)}


# ---------------------------------------------------------------- external IRIs

def test_external_iris_are_well_formed_and_verified(quads):
    registry = Registry.load()
    verified_ids = {e.adilet_id for e in registry if e.adilet_id}
    all_iris = iris(quads)
    isco = {i for i in all_iris if i.startswith("http://data.europa.eu/esco/")}
    assert isco and all(ISCO_RE.fullmatch(i) for i in isco), sorted(isco)
    assert {i.rsplit("C", 1)[1] for i in isco} <= set(linking.ISCO_VERIFIED)
    wd = {i for i in all_iris if "wikidata.org" in i}
    assert wd and all(WD_RE.fullmatch(i) for i in wd)
    assert {i.rsplit("/", 1)[1] for i in wd} == {"Q232", "Q37226"}
    adilet = {i for i in all_iris if i.startswith(("https://adilet.", "http://adilet."))}
    assert adilet and all(ADILET_RE.fullmatch(i) for i in adilet), sorted(adilet)
    assert {ADILET_RE.fullmatch(i).group(2) for i in adilet} == verified_ids
    # no ESCO occupation URI (none is verified) and no КАТО code anywhere
    assert not [i for i in all_iris if "/esco/occupation" in i]
    assert not [i for i in all_iris if "kato" in i.lower()]


# ---------------------------------------------------------------- reviewed tables

def test_every_mapping_row_is_justified_with_an_allowed_property():
    for rows in (linking.occupation_rows(), linking.nkrk_rows(), linking.isced_rows()):
        for row in rows:
            assert row["justification"]
            assert row["property"] in linking.MAPPING_PROPERTIES or row["status"] == "no link"
            assert row["property"] != "exactMatch"
    for row in linking.wikidata_rows():
        assert row["justification"] and row["property"] in linking.WIKIDATA_PROPERTIES


def test_every_2020_position_and_card_is_mapped(quads):
    positions = {q.subject.value for q in quads if q.predicate.value.endswith("rdf-syntax-ns#type")
                 and q.object.value == "https://w3id.org/kz-edu/onto#Position" and q.subject.value.startswith(POS)}
    assert len(positions) == 88
    rows = linking.occupation_rows()
    mapped = {POS + r["subject"] for r in rows if r["subject_kind"] == "position-2020" and r["target_scheme"] == "isco-08"}
    assert mapped == positions
    cards = {r["subject"] for r in rows if r["subject_kind"] == "card"}
    assert len(cards) == 13


def test_esco_candidates_are_labels_without_triples(quads):
    esco = [r for r in linking.occupation_rows() if r["target_scheme"] == "esco-occupation"]
    assert esco and all(r["status"] == "candidate, URI unverified" for r in esco)
    assert {r["target"] for r in esco} >= {"primary school teacher", "SEN assistant", "social pedagogue"}


def test_nkrk_codes_link_to_isco_by_meaning_not_digits(quads):
    linked = {(q.subject.value.rsplit("/", 1)[1], q.predicate.value.rsplit("#", 1)[1], q.object.value.rsplit("C", 1)[1])
              for q in quads if q.graph_name.value == LINKING and q.subject.value.startswith("https://w3id.org/kz-edu/code/nk-rk-01-2017/")
              and q.object.value.startswith("http://data.europa.eu/esco/isco/C")}
    assert ("2361", "closeMatch", "2341") in linked and ("2362", "closeMatch", "2342") in linked
    assert ("233", "closeMatch", "2320") in linked  # not ISCO 233
    assert not [l for l in linked if l[0] == "2347"]  # a printed defect is not mapped
    nk = {q.subject.value.rsplit("/", 1)[1] for q in quads
          if q.predicate.value == "http://www.w3.org/2004/02/skos/core#inScheme"
          and q.object.value == "https://w3id.org/kz-edu/code/nk-rk-01-2017"}
    assert nk == {r["nkrk_code"] for r in linking.nkrk_rows()}


@pytest.mark.parametrize("bad, message", [
    ("position-2020,ch2-p4,x,isco-08,2342,x,exactMatch,linked,same\n", "exactMatch needs a stated reason"),
    ("position-2020,ch2-p4,x,isco-08,2342,x,sameAs,linked,same\n", "property must be one of"),
    ("position-2020,ch2-p4,x,isco-08,2342,x,closeMatch,linked,\n", "needs a justification"),
    ("position-2020,ch2-p4,x,isco-08,2354,x,broadMatch,linked,music\n", "not among the verified groups"),
    ("position-2020,ch2-p4,x,esco-occupation,http://data.europa.eu/esco/occupation/1,x,closeMatch,"
     "\"candidate, URI unverified\",x\n", "never by an invented URI"),
])
def test_a_bad_row_is_reported_with_its_line(tmp_path, bad, message):
    path = tmp_path / "occ.csv"
    header = REPO.joinpath("data/reference/occupation-mappings.csv").read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n" + bad, encoding="utf-8")
    with pytest.raises(SourceError, match=message) as exc:
        linking.occupation_rows(path)
    assert exc.value.line == 2


# ---------------------------------------------------------------- acts, places, ISCED

def test_acts_in_eli(select):
    rows = select("""
      PREFIX eli: <http://data.europa.eu/eli/ontology#>
      SELECT ?act ?type ?status ?inForce WHERE { ?act a kzo:LegalAct , eli:LegalResource ; eli:type_document ?type ;
             kzo:actStatus ?status OPTIONAL { ?act eli:in_force ?inForce } }""")
    assert len({r["act"] for r in rows}) == len(Registry.load())
    for r in rows:
        known = r["status"].endswith(("/in-force", "/repealed"))
        assert (r["inForce"] == r["status"]) if known else r["inForce"] is None
    cites = select("""PREFIX eli: <http://data.europa.eu/eli/ontology#>
      SELECT ?c WHERE { <https://w3id.org/kz-edu/eli/kz/minted/order-338-2009> eli:cites ?c }""")
    assert {"https://w3id.org/kz-edu/eli/kz/Z1900000293", "https://w3id.org/kz-edu/eli/kz/Z070000319_"} <= {r["c"] for r in cites}
    same = select("""SELECT ?m ?a WHERE { ?m <http://www.w3.org/2002/07/owl#sameAs> ?a FILTER(STRSTARTS(STR(?m), "https://w3id.org/kz-edu/eli/kz/minted/")) }""")
    assert {r["a"].rsplit("/", 1)[1] for r in same} == {e.adilet_id for e in Registry.load() if e.adilet_id}


def test_employer_place_chain_and_country(select):
    rows = select("""
      SELECT ?org ?city ?region ?country ?wd WHERE {
        ?org a <http://www.w3.org/ns/org#Organization> ; schema:address ?a ; schema:location ?city .
        ?a schema:addressCountry ?country . ?country <http://www.w3.org/2002/07/owl#sameAs> ?wd .
        ?city schema:containedInPlace ?region . ?region schema:containedInPlace ?country }""")
    assert [(r["city"], r["wd"]) for r in rows] == [("https://w3id.org/kz-edu/id/place/kokshetau",
                                                     "http://www.wikidata.org/entity/Q232")]


def test_org_types_to_isced(select):
    rows = select("""SELECT ?t ?l WHERE { ?t skos:relatedMatch ?l FILTER(STRSTARTS(STR(?l), "https://w3id.org/kz-edu/code/isced-2011/")) }""")
    pairs = {(r["t"].rsplit("/", 1)[1], r["l"].rsplit("/", 1)[1]) for r in rows}
    assert ("preschool", "0") in pairs and {("secondary", x) for x in "123"} <= pairs
    assert ("tvet", "3") not in pairs and not [p for p in pairs if p[0] == "special"]


# ---------------------------------------------------------------- federation

ISCO_TTL = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix isco: <http://data.europa.eu/esco/isco/C> .
isco:2341 skos:prefLabel "Primary school teachers"@en .
isco:2330 skos:prefLabel "Secondary education teachers"@en .
isco:1345 skos:prefLabel "Education managers"@en .
"""


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    """A second pedkg service on 127.0.0.1 holding a small ISCO label graph (an external stand-in)."""
    folder = tmp_path_factory.mktemp("remote")
    (folder / "isco.ttl").write_text(ISCO_TTL, encoding="utf-8")
    port = free_port()
    code = ("from service.server import serve; from service.settings import Settings; "
            f"serve(Settings(data_files=({str(folder / 'isco.ttl')!r},), port={port}, query_workers=0, "
            f"queries_dir={str(folder / 'none')!r}))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the remote endpoint did not start")
                time.sleep(0.2)
        yield url + "/sparql"
    finally:
        proc.terminate()
        proc.wait(10)


def test_federation_query_joins_the_remote_isco_labels(built, remote):
    build_dir, _ = built
    with make_client(build_dir / "dataset.nq", build_dir=str(build_dir), data_files=(), query_workers=0,
                     service_allowlist=(remote,)) as c:
        response = c.get("/api/queries/federation-isco-labels.json", params={"endpoint": remote})
        assert response.status_code == 200, response.text
        rows = response.json()["results"]["bindings"]
        labelled = {(r["notation"]["value"], r["code"]["value"], r["iscoLabel"]["value"]) for r in rows if "iscoLabel" in r}
        assert ("§3.6", "2341", "Primary school teachers") in labelled
        assert ("§3.6", "2330", "Secondary education teachers") in labelled
        assert {r["code"]["value"] for r in rows if "iscoLabel" in r} == {"2341", "2330", "1345"}
        # the same query through /sparql: allowed for the allow-listed remote ...
        text = c.app.state.queries["federation-isco-labels"].render({"endpoint": remote})
        assert c.post("/sparql", data={"query": text}).status_code == 200
        # ... refused for any other endpoint
        other = text.replace(remote, "http://127.0.0.1:9/sparql")
        refused = c.post("/sparql", data={"query": other})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "service_not_allowed"


def test_named_federation_query_refuses_an_endpoint_not_on_the_allow_list(built, remote):
    build_dir, _ = built
    with make_client(build_dir / "dataset.nq", build_dir=str(build_dir), data_files=(), query_workers=0,
                     service_allowlist=(remote,)) as c:
        response = c.get("/api/queries/federation-isco-labels.json", params={"endpoint": "http://127.0.0.1:9/sparql"})
        assert response.status_code == 403
