"""The README's examples work: every SPARQL query it shows answers with rows on today's build."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def readme_queries() -> list[str]:
    fenced = re.findall(r"```sparql\n(.*?)```", README, flags=re.S)
    cli = [shlex.split(block)[2] for block in re.findall(r"\.venv/bin/pedkg query '.*?'", README, flags=re.S)]
    python = re.findall(r'"""\n\s*(SELECT.*?)"""', README, flags=re.S)
    prefixes = "PREFIX kzo: <https://w3id.org/kz-edu/onto#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    return fenced + cli + [prefixes + q for q in python]


def test_the_readme_shows_queries():
    assert len(readme_queries()) >= 6


@pytest.mark.parametrize("query", readme_queries(), ids=lambda q: " ".join(q.split())[:60])
def test_every_readme_query_answers(store, query):
    rows = list(store.query(query, use_default_graph_as_union=True))
    assert rows, "the README promises an answer"


def test_the_readme_portfolio_example_fails_on_experience(built):
    from service.validation import load_dataset, validate_portfolio
    import yaml

    build_dir, _ = built
    example = yaml.safe_load((Path(__file__).resolve().parents[1] / "examples" / "readme-teacher-expert.yaml")
                             .read_text(encoding="utf-8"))
    report = validate_portfolio(example, graph=load_dataset(build_dir / "dataset.nq"))
    assert report.to_dict("en")["verdict"] in ("does-not-meet", "does not meet")
