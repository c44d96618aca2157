"""The compiled portfolio check gives jsonschema's verdict on every input.

`check_portfolio` asks jsonschema for the errors only when the compiled check (`compile_schema`)
rejects, so equal verdicts mean equal outcomes: never a portfolio accepted that the schema rejects,
and the same error wording and order as before for the ones it rejects.
"""
from __future__ import annotations

import copy
import math
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.portfolio_input import (PortfolioError, _fast_check, _schema, _validator, check_portfolio,
                                     read_portfolio)
from service.schema_check import Unsupported, compile_schema

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FAST = _fast_check()
SCHEMA = _schema()


def schema_accepts(data) -> bool:
    return not list(_validator().iter_errors(data))


def test_the_portfolio_schema_compiles():
    """A keyword compile_schema does not mirror would silently send every portfolio to jsonschema."""
    assert FAST is not None


# -- strategies ------------------------------------------------------------------------------
def _enum(path: str) -> list:
    node = SCHEMA
    for part in path.split("/"):
        node = node[part]
    return node["enum"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 80) | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6)


def rarely(wrong: st.SearchStrategy, valid: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly `valid`: with few defects per portfolio, a good share of whole portfolios is valid."""
    return st.integers(0, 29).flatmap(lambda i: wrong if i == 0 else valid)


class Field(NamedTuple):
    mostly_valid: st.SearchStrategy     # to compose whole portfolios
    any: st.SearchStrategy              # valid, an edge case or any JSON value, about a third each


def field(valid: st.SearchStrategy, *edge_cases) -> Field:
    wrong = st.sampled_from(edge_cases) | json_values if edge_cases else json_values
    return Field(rarely(wrong, valid), st.one_of(valid, wrong))


def code(path: str) -> Field:
    """A code of the enum at `path`, or a near miss (case, space, empty, a code of another list)."""
    codes = _enum(path)
    return field(st.sampled_from(codes), *[c.upper() for c in codes if c], *[f" {c}" for c in codes if c],
                 "", "phd", "guru", "higher", "urban")


def objects(fields: dict[str, Field], required: tuple[str, ...] = ()) -> Field:
    """A dict of some of `fields`; rarely without a required one, rarely with an unknown one."""
    @st.composite
    def build(draw) -> dict:
        optional = {k: f.mostly_valid for k, f in fields.items() if k not in required}
        data = draw(st.fixed_dictionaries({k: fields[k].mostly_valid for k in required}, optional=optional))
        for key in required:
            if draw(st.integers(0, 29)) == 0:
                del data[key]
        data.update(draw(rarely(st.dictionaries(st.sampled_from(UNKNOWN_KEYS), json_values, min_size=1,
                                                max_size=2), st.just({}))))
        return data
    return field(build())


UNKNOWN_KEYS = ["grade", "Level", "salary", "", "person-id", "total "]
UNKNOWN = Field(st.nothing(), json_values)     # any value of an unknown field is wrong
YEARS = field(st.none() | st.integers(0, 70) | st.floats(0, 70) | st.decimals(0, 70, allow_nan=False),
              -1, -0.0, -1e-9, 70.0001, 71, math.nan, math.inf, -math.inf, True, False, "5", Decimal("-0.5"))
LABELS = field(st.text(min_size=1, max_size=6), "", "d" * 300, "d" * 301, "d" * 500, "d" * 501)
LISTS_OF_LABELS = field(st.lists(LABELS.mostly_valid, max_size=3), ["d"] * 100, ["d"] * 101, ("d",))
EDUCATION_ENTRY = {"level": code("properties/education/items/properties/level"),
                   "profile": field(st.none() | st.text(max_size=8), "п" * 300, "п" * 301),
                   "pedagogical": field(st.none() | st.booleans(), 0, 1, "true")}
TARGET = {"position": field(st.text(min_size=1, max_size=8), ""),
          "category": code("properties/target/properties/category"),
          "vacancy": field(st.none() | st.text(max_size=8))}
EXPERIENCE = {**{k: YEARS for k in ("total", "pedagogical", "specialty", "position", "managerial", "enterprise")},
              "settlement": code("properties/experience/properties/settlement"),
              "admin_level": code("properties/experience/properties/admin_level"),
              "teaching_activity": field(st.none() | st.booleans(), 0, "yes")}
CATEGORY = {"current": code("properties/category/properties/current"),
            "awarded": field(st.dates().map(lambda d: d.isoformat()) | st.none(), "2020-01-01\n", "2020-1-1",
                             "٢٠٢٠-٠١-٠١", "2020-01-01T00:00", "", "01.05.2021")}
EDUCATION_ITEM = objects(EDUCATION_ENTRY, required=("level",))
EDUCATION = field(st.lists(EDUCATION_ITEM.mostly_valid, max_size=3),
                  [{"level": "higher"}] * 20, [{"level": "higher"}] * 21, ({"level": "higher"},))
TOP = {"person_id": field(st.from_regex(r"[^\s]{1,100}", fullmatch=True), "A\n", "A B", "\tA", " ", "", "x" * 100,
                          "x" * 101),
       "education": EDUCATION, "target": objects(TARGET), "experience": objects(EXPERIENCE),
       "category": objects(CATEGORY), "documents": LISTS_OF_LABELS,
       "academic_degree": field(st.none() | st.text(max_size=8), "к" * 200, "к" * 201),
       "certificates": LISTS_OF_LABELS}
portfolios = objects(TOP, required=("person_id", "education")).mostly_valid

#: a value for one place of BASE (below), every field and item of the schema and some unknown ones
PLACES = {**TOP, "education.0": EDUCATION_ITEM,
          **{f"education.0.{k}": f for k, f in EDUCATION_ENTRY.items()},
          **{f"target.{k}": f for k, f in TARGET.items()}, **{f"experience.{k}": f for k, f in EXPERIENCE.items()},
          **{f"category.{k}": f for k, f in CATEGORY.items()}, "documents.0": LABELS,
          **{f"{where}{k}": UNKNOWN for where in ("", "education.0.", "target.", "experience.", "category.")
             for k in UNKNOWN_KEYS}}


# -- pinned examples -------------------------------------------------------------------------
BASE = {"person_id": "T-1", "education": [{"level": "higher", "profile": "Математика", "pedagogical": True}],
        "target": {"position": "ch3-p9", "category": "moderator"},
        "experience": {"total": 5, "pedagogical": 4.5, "settlement": "rural"},
        "category": {"current": "pedagog", "awarded": "2021-05-01"}, "documents": ["Диплом"]}


def _place(data: dict, path: str) -> tuple[dict | list, str | int]:
    """The container and key of a dotted path ("education.0.level") in `data`."""
    *outer, last = (int(k) if k.isdigit() else k for k in path.split("."))
    for key in outer:
        data = data[key]
    return data, last


def _with(path: str, value) -> dict:
    data = copy.deepcopy(BASE)
    container, key = _place(data, path)
    container[key] = value
    return data


def _without(path: str) -> dict:
    data = copy.deepcopy(BASE)
    container, key = _place(data, path)
    del container[key]
    return data


# -- properties ------------------------------------------------------------------------------
@settings(max_examples=1500, deadline=None)
@given(portfolios)
def test_fast_verdict_equals_jsonschema(data):
    assert FAST(data) == schema_accepts(data)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(sorted(PLACES)).flatmap(lambda place: st.tuples(st.just(place), PLACES[place].any)))
def test_one_place_of_a_valid_portfolio(place_value):
    """Each field's boundaries, with everything else valid: where a lenient fast check would show."""
    data = _with(*place_value)
    assert FAST(data) == schema_accepts(data)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_as_a_portfolio(data):
    assert FAST(data) == schema_accepts(data)


@pytest.mark.parametrize("data, accepted", [
    (BASE, True),
    (_with("person_id", "A\n"), True),                   # `$` of re.search matches before a final newline
    (_with("category.awarded", "2021-05-01\n"), True),   # (the calendar check rejects it later, not the schema)
    (_with("experience.total", math.nan), True),         # NaN < 0 and NaN > 70 are both false
    (_with("experience.total", Decimal("3.5")), True),
    (_with("experience.total", -0.0), True),
    (_with("experience.managerial", None), True),
    (_with("target.category", None), True),
    (_with("education", []), True),
    (_with("education", ({"level": "higher"},)), False),  # a tuple is no JSON array for jsonschema
    (_with("experience.total", True), False),             # a bool is no number
    (_with("experience.total", -1), False),
    (_with("experience.total", 70.5), False),
    (_with("experience.total", "5"), False),
    (_with("experience.bogus", 1), False),
    (_with("salary", 1), False),
    (_with("education.0.grade", 5), False),
    (_with("education.0.level", "phd"), False),
    (_with("education.0.level", None), False),
    (_with("target.category", "Moderator"), False),
    (_with("category.current", "manager-4"), False),
    (_with("category.awarded", "2021-5-1"), False),
    (_with("person_id", "A B"), False),
    (_with("person_id", ""), False),
    (_with("documents", [""]), False),
    (_with("documents", ["d"] * 101), False),
    (_with("education", [{"level": "higher"}] * 21), False),
    (_without("person_id"), False),
    (_without("education"), False),
    (_without("education.0.level"), False),
    ([BASE], False),
    ("T-1", False),
])
def test_pinned_examples(data, accepted):
    assert schema_accepts(data) is accepted
    assert FAST(data) is accepted


@pytest.mark.parametrize("path", sorted(p for p in EXAMPLES.iterdir()
                                        if p.suffix in (".json", ".yaml", ".ttl", ".jsonld")
                                        and p.name != "vacancy-example.yaml"), ids=lambda p: p.name)
def test_bundled_examples_pass_both(path):
    data = read_portfolio(path)
    assert schema_accepts(data) and FAST(data)


def test_rejected_portfolio_keeps_its_error_wording():
    with pytest.raises(PortfolioError) as e:
        check_portfolio(_with("experience.total", -1) | {"salary": 1})
    assert [str(i) for i in e.value.issues] == [
        "unknown field(s) 'salary'; known: academic_degree, category, certificates, documents, education, "
        "experience, person_id, target",
        "experience.total: impossible value -1: must be >= 0"]


@pytest.mark.parametrize("schema", [
    {"type": "integer"},
    {"type": "string", "format": "date"},
    {"type": "array", "items": False},
    {"type": "array", "prefixItems": [{"type": "string"}]},
    {"type": "object", "additionalProperties": {"type": "string"}},
    {"type": "object", "patternProperties": {"^x": {}}},
    {"enum": [1, 2]},
    {"$ref": "other.json#/$defs/x"},
    {"$ref": "#/$defs/node", "$defs": {"node": {"properties": {"next": {"$ref": "#/$defs/node"}}}}},
    {"properties": {"a": {"$id": "https://example.org/a", "type": "string"}}},
    {"properties": {"a": True}},
])
def test_unmirrored_keywords_are_refused(schema):
    """So a schema change turns the fast path off rather than making it more lenient."""
    with pytest.raises(Unsupported):
        compile_schema(schema)
