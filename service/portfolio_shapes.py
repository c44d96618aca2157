"""Portfolio shapes generated from the graph's requirement data (never written by hand per position).

For every position P and every category C it provides for (or no category, for positions without
categories) `service.portfolio_rules.compile_rules` turns the requirement data of docs/model.md into
`Rule`s; each rule is two boolean conditions over a portfolio, written as a small expression tree:

* `ps` ("possibly satisfied"): false exactly when the rule FAILS;
* `ds` ("definitely satisfied"): true exactly when the rule PASSES; ps and not ds = NEEDS REVIEW.

This module holds the expressions, `holds` (evaluates a tree in plain Python: the fast checker) and
`generate_portfolio_shapes`, which writes each rule as SHACL (a sh:Violation shape asserting `ps`, a
sh:Warning shape asserting `ds`) targeted by a SPARQL target on kzo:targetPosition/kzo:targetCategory.
Both are identical by construction (bench/bench_validation.py checks it on 10,000 portfolios). The
rule semantics are documented in docs/validation.md. The names of `service.portfolio_rules` (Rule,
compile_rules, ...) are also reachable from here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SH, XSD

from loaders.namespaces import KZCODE, KZO

SHAPE = Namespace("https://w3id.org/kz-edu/shapes#")
MESSAGES_PATH = Path(__file__).resolve().parents[1] / "shapes" / "messages.yaml"
LANGS = ("ru", "kk", "en")
PASS, FAIL, REVIEW = "pass", "fail", "needs-review"


def __getattr__(name: str):
    """Rule, Atom, Cite, PositionRules, compile_rules, describe_atom, ... live in service.portfolio_rules."""
    if name.startswith("__"):
        raise AttributeError(name)
    from service import portfolio_rules

    try:
        return getattr(portfolio_rules, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


# -- expressions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Const:
    value: bool


TRUE, FALSE = Const(True), Const(False)


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class Prop:
    """A SHACL property shape: counts, then conditions every value must meet (has_value: one must)."""

    path: URIRef
    min_count: int | None = None
    max_count: int | None = None
    has_value: object = None
    in_: tuple | None = None
    not_in: tuple | None = None
    min_incl: Decimal | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Qual:
    """At least `min` / at most `max` values (nested nodes) satisfy `shape`."""

    path: URIRef
    shape: object
    min: int | None = None
    max: int | None = None


def and_(*xs):
    items = [x for x in xs if x != TRUE]
    if FALSE in items:
        return FALSE
    return TRUE if not items else items[0] if len(items) == 1 else And(tuple(items))


def or_(*xs):
    items = [x for x in xs if x != FALSE]
    if TRUE in items:
        return TRUE
    return FALSE if not items else items[0] if len(items) == 1 else Or(tuple(items))


def holds(expr, node: dict) -> bool:
    """Evaluate an expression on a portfolio node ({predicate: [values]}), as SHACL would."""
    t = type(expr)
    if t is Prop:
        values = node.get(expr.path, ())
        n = len(values)
        if (expr.min_count is not None and n < expr.min_count) or (expr.max_count is not None and n > expr.max_count):
            return False
        if expr.has_value is not None and expr.has_value not in values:
            return False
        for v in values:
            if expr.in_ is not None and v not in expr.in_:
                return False
            if expr.not_in is not None and v in expr.not_in:
                return False
            if expr.min_incl is not None and (not isinstance(v, (Decimal, int)) or isinstance(v, bool)
                                              or v < expr.min_incl):
                return False
            if expr.pattern is not None and not re.search(expr.pattern, str(v), re.IGNORECASE):
                return False
        return True
    if t is And:
        return all(holds(x, node) for x in expr.items)
    if t is Or:
        return any(holds(x, node) for x in expr.items)
    if t is Not:
        return not holds(expr.item, node)
    if t is Qual:
        n = sum(1 for v in node.get(expr.path, ()) if isinstance(v, dict) and holds(expr.shape, v))
        return (expr.min is None or n >= expr.min) and (expr.max is None or n <= expr.max)
    return expr.value


def status(rule, node: dict) -> str:
    if not holds(rule.ps, node):
        return FAIL
    return PASS if holds(rule.ds, node) else REVIEW


@lru_cache(maxsize=1)
def messages() -> dict:
    return yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))


def label(group: str, slug: str | None, lang: str) -> str:
    if slug is None:
        return messages()["words"]["not-stated"][lang]
    return messages()["labels"].get(group, {}).get(slug, {}).get(lang, slug)


def word(key: str, lang: str) -> str:
    return messages()["words"][key][lang]


# -- SHACL -----------------------------------------------------------------------------------
def _term(v):
    if isinstance(v, URIRef):
        return v
    if isinstance(v, Decimal):
        return Literal(v, datatype=XSD.decimal)
    return Literal(v)


def emit(g: Graph, shape, expr) -> None:
    """Write `expr` as constraints of the node shape `shape`."""
    if isinstance(expr, And):
        for x in expr.items:
            emit(g, shape, x)
    elif isinstance(expr, (Or, Not)):
        items = expr.items if isinstance(expr, Or) else (expr.item,)
        members = []
        for x in items:
            b = BNode()
            emit(g, b, x)
            members.append(b)
        if isinstance(expr, Not):
            g.add((shape, SH["not"], members[0]))
        else:
            lst = BNode()
            Collection(g, lst, members)
            g.add((shape, SH["or"], lst))
    elif isinstance(expr, Const):
        if not expr.value:
            g.add((shape, SH["not"], _empty(g)))
    elif isinstance(expr, Qual):
        b, inner = BNode(), BNode()
        g.add((shape, SH.property, b))
        g.add((b, SH.path, expr.path))
        emit(g, inner, expr.shape)
        g.add((b, SH.qualifiedValueShape, inner))
        if expr.min is not None:
            g.add((b, SH.qualifiedMinCount, Literal(expr.min)))
        if expr.max is not None:
            g.add((b, SH.qualifiedMaxCount, Literal(expr.max)))
    else:
        b = BNode()
        g.add((shape, SH.property, b))
        g.add((b, SH.path, expr.path))
        for pred, value in ((SH.minCount, expr.min_count), (SH.maxCount, expr.max_count),
                            (SH.minInclusive, expr.min_incl)):
            if value is not None:
                g.add((b, pred, _term(value)))
        if expr.has_value is not None:
            g.add((b, SH.hasValue, _term(expr.has_value)))
        if expr.in_ is not None:
            g.add((b, SH["in"], _list(g, expr.in_)))
        if expr.not_in is not None:
            inner = BNode()
            g.add((inner, SH["in"], _list(g, expr.not_in)))
            g.add((b, SH["not"], inner))
        if expr.pattern is not None:
            g.add((b, SH.pattern, Literal(expr.pattern)))
            g.add((b, SH.flags, Literal("i")))


def _list(g: Graph, values) -> BNode:
    head = BNode()
    Collection(g, head, [_term(v) for v in values])
    return head


def _empty(g: Graph) -> URIRef:
    g.add((SHAPE.Anything, RDF.type, SH.NodeShape))
    return SHAPE.Anything


def _target(g: Graph, name: str, where: str) -> URIRef:
    t = SHAPE[f"target-{name}"]
    g.add((t, RDF.type, SH.SPARQLTarget))
    g.add((t, SH.select, Literal(f"SELECT ?this WHERE {{ {where} }}")))
    return t


def _message(rule, shape_kind: str) -> dict:
    templates = messages()["rules"].get(f"{rule.kind}-shape") or messages()["rules"][rule.kind]
    out = {}
    for lang in LANGS:
        cite = messages()["cite"][lang].format(file=rule.cite.file, point=rule.cite.point or "-", line=rule.cite.line or "-")
        required = rule.required.get(lang) or rule.quote or "-"
        out[lang] = templates[lang].format(required=required, actual="", cite=cite, quote=rule.quote)
    return out


def rule_shapes(g: Graph, rule, name: str, target: URIRef) -> int:
    """The sh:Violation (ps) and sh:Warning (ds) shapes of one rule; returns how many it wrote."""
    if rule.info:
        return 0
    count = 0
    for suffix, expr, severity in (("", rule.ps, SH.Violation), ("-review", rule.ds, SH.Warning)):
        if expr == TRUE or (suffix and rule.ds == rule.ps):
            continue
        s = SHAPE[f"{name}{suffix}"]
        g.add((s, RDF.type, SH.NodeShape))
        g.add((s, SH.target, target))
        g.add((s, SH.severity, severity))
        if rule.cite.node:
            g.add((s, RDFS.seeAlso, URIRef(rule.cite.node)))
        for lang, text in _message(rule, suffix).items():
            g.add((s, SH.message, Literal(text, lang=lang)))
        inner = BNode()  # one result per rule, its sh:sourceShape the named shape
        g.add((s, SH.node, inner))
        emit(g, inner, expr)
        count += 1
    return count


def shape_base(position_key: str, category: str | None) -> str:
    return f"portfolio-{position_key.replace('/', '-')}-{category or 'none'}"


def generate_portfolio_shapes(graph: Graph, compiled: dict | None = None) -> Graph:
    """SHACL shapes for every (position, category) and every vacancy of the graph (one Graph)."""
    from service.portfolio_rules import compile_rules

    compiled = compiled if compiled is not None else compile_rules(graph)
    g = Graph()
    for prefix, ns in (("sh", SH), ("shape", SHAPE), ("kzo", KZO), ("kzcode", KZCODE), ("xsd", XSD)):
        g.bind(prefix, ns)
    onto = URIRef(str(SHAPE).rstrip("#") + "/portfolio")
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, RDFS.comment, Literal("Portfolio shapes generated from the requirement data of the graph "
                                       "by service/portfolio_shapes.py; do not edit.", lang="en")))
    for pr in compiled.values():
        key = pr.key.replace("/", "-")
        t = _target(g, f"{key}", f"?this <{KZO.targetPosition}> <{pr.position}> .")
        rule_shapes(g, pr.offered, f"portfolio-{key}-category-offered", t)
        for c, rules in pr.rules.items():
            cat_where = f"?this <{KZO.targetCategory}> <{KZCODE[f'category/{c}']}> ." if c else \
                f"FILTER NOT EXISTS {{ ?this <{KZO.targetCategory}> ?c }}"
            tc = _target(g, f"{key}-{c or 'none'}", f"?this <{KZO.targetPosition}> <{pr.position}> . {cat_where}")
            for rule in rules:
                rule_shapes(g, rule, f"{shape_base(pr.key, c)}-{rule.id}", tc)
    for v in sorted(graph.subjects(RDF.type, KZO.Vacancy), key=str):
        vacancy_shapes(g, graph, v)
    return g


def vacancy_shapes(g: Graph, graph: Graph, vacancy) -> int:
    name = "vacancy-" + str(vacancy).rsplit("/id/", 1)[-1].replace("/", "-")
    from service.portfolio_rules import vacancy_rules

    t = _target(g, name, f"?this <{KZO.targetVacancy}> <{vacancy}> .")
    return sum(rule_shapes(g, r, f"{name}-{r.id}", t) for r in vacancy_rules(graph, vacancy))


def count_shapes(shapes: Graph) -> int:
    """Named node shapes (the generated rule shapes; helper blank nodes are not counted)."""
    return sum(1 for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef) and s != SHAPE.Anything)
