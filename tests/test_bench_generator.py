"""The synthetic national data generator (bench/generate.py) and the analyst aggregates.

A tiny run (1,500 teachers): deterministic, valid N-Quads in its own named graph, linked to real
positions, and the aggregates of bench/aggregates/ find exactly what the generator planted.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import GRAPH, POS2020, generate, load_regulation  # noqa: E402
from service import named_queries  # noqa: E402
from service.portfolio_input import check_portfolio  # noqa: E402

N = 1500


@pytest.fixture(scope="module")
def regulation(built):
    build_dir, _ = built
    return load_regulation(build_dir / "store")


@pytest.fixture(scope="module")
def generated(built, regulation, tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic") / "synthetic.nq"
    gen = generate(N, out, seed=11, regulation=regulation, keep=300)
    return out, gen


@pytest.fixture(scope="module")
def national(built, generated):
    build_dir, _ = built
    store = ox.Store()
    store.bulk_load(path=str(build_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    store.bulk_load(path=str(generated[0]), format=ox.RdfFormat.N_QUADS)
    return store


def test_deterministic(generated, regulation, tmp_path):
    path, gen = generated
    again = generate(N, tmp_path / "again.nq", seed=11, regulation=regulation)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(path) == digest(tmp_path / "again.nq")
    assert again.expected == gen.expected
    other = generate(N, tmp_path / "other.nq", seed=12, regulation=regulation)
    assert digest(tmp_path / "other.nq") != digest(path)
    assert other.expected["teachers"] == N


def test_valid_quads_in_own_graph(generated):
    path, gen = generated
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == gen.expected["quads"]
    assert {q.graph_name.value for q in quads} == {GRAPH}
    assert gen.expected["teachers"] == N
    assert 25 * N < gen.expected["quads"] < 35 * N + 25_000  # + ~3,000 fixed places


def test_linked_to_real_positions(generated, regulation, national):
    _, gen = generated
    real = {f.iri for f in regulation.values()}
    rows = national.query(f"""SELECT DISTINCT ?p WHERE {{ GRAPH <{GRAPH}> {{
        {{ ?x <https://w3id.org/kz-edu/onto#targetPosition> ?p }} UNION {{ ?x <https://w3id.org/kz-edu/onto#forPosition> ?p }} }} }}""")
    used = {r["p"].value for r in rows}
    assert used and used <= real
    assert all(p.startswith(POS2020) for p in used)
    # a portfolio's position really is a kzo:Position of the regulation graphs
    assert all((ox.NamedNode(p), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode("https://w3id.org/kz-edu/onto#Position"), None) for p in used)
    assert len(used) > 20


def _run(store, name: str) -> list:
    q = named_queries.load_queries(str(ROOT / "bench" / "aggregates"))[name]
    return list(store.query(q.render(q.example_params()), use_default_graph_as_union=True))


def test_aggregates_find_what_was_planted(generated, national):
    _, gen = generated
    shares = _run(national, "category-share-by-region")
    assert sum(int(r["teachers"].value) for r in shares) == N
    eligible = _run(national, "eligible-next-category")
    assert sum(int(r["eligible"].value) for r in eligible) == gen.expected["eligible_next_category"] > 0
    deviations = _run(national, "vacancy-deviations")
    assert sum(int(r["vacancies"].value) for r in deviations) == gen.expected["deviating_vacancies"] > 0
    by_kind: dict[str, int] = {}
    for r in deviations:
        by_kind[r["kind"].value] = by_kind.get(r["kind"].value, 0) + int(r["vacancies"].value)
    assert by_kind == gen.expected["deviations_by_kind"]


def test_portfolios_are_valid_input(generated):
    _, gen = generated
    assert len(gen.kept) == 300
    for t in gen.kept:
        p = check_portfolio(t.portfolio_dict())
        assert p.person_id.startswith("SYN-")


def _rows(store, text: str) -> list[tuple]:
    return [tuple(map(str, sol)) for sol in store.query(text, use_default_graph_as_union=True)]


def test_named_queries_answer_the_same_beside_national_data(built, national):
    """National data shares predicates with the regulation (kzo:settlementType, kzo:educationLevel,
    kzo:minYears, kzo:acceptsEducation, skos:prefLabel): no named query may pick it up."""
    build_dir, _ = built
    regulation_only = ox.Store()
    regulation_only.bulk_load(path=str(build_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    queries = named_queries.load_queries(str(ROOT / "queries"))
    checked = 0
    for name, q in sorted(queries.items()):
        text = q.render(q.example_params())
        if "SERVICE" in text.upper():
            continue  # federated: needs the network
        alone, beside = _rows(regulation_only, text), _rows(national, text)
        assert alone == beside, name
        checked += 1
    assert checked >= 30
