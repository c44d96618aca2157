"""The ontology and its code lists as one rdflib graph (the content of the `ontology` named graph)."""
from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from loaders.namespaces import PREFIXES

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


def ontology_files(directory: Path = ONTOLOGY_DIR) -> list[Path]:
    """The Turtle files of the ontology: `ontology/*.ttl`, then `ontology/codes/*.ttl`, each sorted by name."""
    return sorted(directory.glob("*.ttl")) + sorted((directory / "codes").glob("*.ttl"))


def ontology_graph(directory: Path = ONTOLOGY_DIR) -> Graph:
    """Parse every ontology and code-list file into one graph.

    :raises FileNotFoundError: if the directory holds no Turtle file.
    :raises rdflib.plugins.parsers.notation3.BadSyntax: if a file is not valid Turtle
        (the message names the file and line).
    """
    files = ontology_files(directory)
    if not files:
        raise FileNotFoundError(f"no ontology files (*.ttl) under {directory}")
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for path in files:
        graph.parse(path, format="turtle")
    return graph
