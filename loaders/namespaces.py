"""Namespaces of the public vocabulary contract (docs/model.md) and the standard ones we reuse."""
from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/kz-edu/"
KZO = Namespace(BASE + "onto#")
KZID = Namespace(BASE + "id/")
KZCODE = Namespace(BASE + "code/")
KZELI = Namespace(BASE + "eli/kz/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")

PREFIXES = {
    "kzo": KZO, "kzid": KZID, "kzcode": KZCODE, "kzeli": KZELI, "eli": ELI,
    "schema": SCHEMA, "org": ORG, "skos": SKOS, "rdfs": RDFS, "rdf": RDF,
    "xsd": XSD, "owl": OWL, "dct": DCTERMS, "prov": PROV,
}


def graph_iri(source_stem: str) -> str:
    """IRI of the named graph that holds what was extracted from one source (or 'ontology', 'reference')."""
    return f"{KZID}graph/{source_stem}"
