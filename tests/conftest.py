"""Session-wide fixtures: one build of the bundled sources, shared by the whole-document tests."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from service.build import BuildSummary, build_all


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, BuildSummary]:
    """Build every bundled source once into a temporary build directory."""
    build_dir = tmp_path_factory.mktemp("build")
    return build_dir, build_all(build_dir)


@pytest.fixture(scope="session")
def store(built) -> pyoxigraph.Store:
    build_dir, _ = built
    return pyoxigraph.Store.read_only(str(build_dir / "store"))


@pytest.fixture(scope="session")
def select(store):
    """Run a SELECT with the usual prefixes; rows as dicts of plain values."""
    prefixes = """
    PREFIX kzo: <https://w3id.org/kz-edu/onto#>
    PREFIX kzid: <https://w3id.org/kz-edu/id/>
    PREFIX kzcode: <https://w3id.org/kz-edu/code/>
    PREFIX kzeli: <https://w3id.org/kz-edu/eli/kz/>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    PREFIX schema: <https://schema.org/>
    """

    def run(query: str) -> list[dict]:
        solutions = store.query(prefixes + query, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions]

    return run
