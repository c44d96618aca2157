"""Small helpers shared by the modellers (records -> RDF): typed nodes with provenance."""
from __future__ import annotations

from decimal import Decimal

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD

from loaders.namespaces import KZCODE, KZID, KZO, PREFIXES


class GraphBuilder:
    """Wraps one source's graph: every node it creates carries file, line and derivation."""

    def __init__(self, source_file: str) -> None:
        self.source_file = source_file
        self.stem = source_file.rsplit(".", 1)[0]
        self.document = KZID[f"source/{self.stem}"]
        self.graph = Graph()
        for prefix, ns in PREFIXES.items():
            self.graph.bind(prefix, ns)

    def node(self, iri: URIRef, rdf_type: URIRef, line: int | None, end_line: int | None = None) -> URIRef:
        """Declare `iri` of `rdf_type`, with kzo:sourceFile / sourceLine / sourceEndLine."""
        g = self.graph
        g.add((iri, RDF.type, rdf_type))
        g.add((iri, KZO.sourceFile, Literal(self.source_file)))
        if line is not None:
            g.add((iri, KZO.sourceLine, Literal(line, datatype=XSD.integer)))
        if end_line is not None and line is not None and end_line != line:
            g.add((iri, KZO.sourceEndLine, Literal(end_line, datatype=XSD.integer)))
        g.add((iri, PROV.wasDerivedFrom, self.document))
        return iri

    def add(self, s: URIRef, p: URIRef, o) -> None:
        self.graph.add((s, p, o))

    def text(self, s: URIRef, p: URIRef, value: str | None, lang: str | None = None) -> None:
        if value:
            self.graph.add((s, p, Literal(value, lang=lang)))

    def integer(self, s: URIRef, p: URIRef, value: int | None) -> None:
        if value is not None:
            self.graph.add((s, p, Literal(value, datatype=XSD.integer)))

    def decimal(self, s: URIRef, p: URIRef, value: Decimal | None) -> None:
        if value is not None:
            self.graph.add((s, p, Literal(Decimal(value), datatype=XSD.decimal)))

    def boolean(self, s: URIRef, p: URIRef, value: bool | None) -> None:
        if value is not None:
            self.graph.add((s, p, Literal(bool(value), datatype=XSD.boolean)))

    def code(self, s: URIRef, p: URIRef, scheme: str, slug: str | None) -> None:
        """Link to a code-list concept kzcode:<scheme>/<slug> (nothing when slug is None)."""
        if slug:
            self.graph.add((s, p, KZCODE[f"{scheme}/{slug}"]))

    def note(self, key: str, about: URIRef, line: int, kind: str, message: str, quoted: str | None) -> URIRef:
        """A kzo:DataQualityNote about `about`; `key` makes its IRI unique within the source."""
        iri = KZID[f"note/{self.stem}/L{line}-{key}"]
        self.node(iri, KZO.DataQualityNote, line)
        self.add(iri, KZO.about, about)
        self.code(iri, KZO.noteKind, "note-kind", kind)
        self.text(iri, _RDFS_COMMENT, message, "en")
        self.text(iri, KZO.quotedText, quoted)
        return iri


_RDFS_COMMENT = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")
