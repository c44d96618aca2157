"""Validate a portfolio against a position and a target category: verdict, reasons, SHACL report.

>>> report = validate_portfolio(EXAMPLE, "ch3-p9", "moderator")      # doctest: +SKIP
>>> report.verdict, report.lines("en")[0]                              # doctest: +SKIP

The rules come from the graph's requirement data (`service.portfolio_shapes`); each is evaluated by
the compiled Python checks and, unless `shacl=False`, by pySHACL on the same generated shapes (the
two must agree; `ValidationReport.shacl_agrees`). Messages: `shapes/messages.yaml` (ru, kk, en).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SH, SKOS

from loaders.namespaces import KZCODE, KZO, PREFIXES
from service import portfolio_rules as rl
from service import portfolio_shapes as ps
from service.portfolio_input import (InputIssue, Portfolio, PortfolioError, check_portfolio, graph_to_dict,
                                     node_graph, portfolio_node)

ROOT = Path(__file__).resolve().parents[1]
VERDICTS = ("meets", "does-not-meet", "needs-review")


class LookupFailed(PortfolioError):
    """A position, category or vacancy that cannot be resolved; `candidates` lists suggestions."""

    def __init__(self, message: str, candidates: list[dict] | None = None) -> None:
        self.candidates = candidates or []
        super().__init__([InputIssue(message)])


@dataclass
class Context:
    """What validation needs from one graph, computed once."""

    graph: Graph
    rules: dict[str, rl.PositionRules]
    names: dict[str, list[str]]          # normalised title/alias -> position IRIs


_CONTEXTS: dict[int, Context] = {}


def context(graph: Graph | None = None) -> Context:
    graph = graph if graph is not None else default_graph()
    ctx = _CONTEXTS.get(id(graph))
    if ctx is None or ctx.graph is not graph:
        names: dict[str, list[str]] = {}
        for p in sorted(graph.subjects(RDF.type, KZO.Position), key=str):
            for lbl in list(graph.objects(p, SKOS.prefLabel)) + list(graph.objects(p, SKOS.altLabel)):
                names.setdefault(_norm(str(lbl)), [])
                if str(p) not in names[_norm(str(lbl))]:
                    names[_norm(str(lbl))].append(str(p))
        ctx = _CONTEXTS[id(graph)] = Context(graph, rl.compile_rules(graph), names)
    return ctx


@lru_cache(maxsize=1)
def default_graph(build_dir: Path = ROOT / "build") -> Graph:
    """The union graph of the current build's dataset.nq."""
    path = Path(build_dir) / "dataset.nq"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no build yet; run `pedkg build` first")
    return load_dataset(path)


def load_dataset(path: Path) -> Graph:
    """dataset.nq -> one plain Graph holding the union of its named graphs."""
    import pyoxigraph

    quads = pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS)
    data = pyoxigraph.serialize((q.triple for q in quads), format=pyoxigraph.RdfFormat.N_TRIPLES)
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    return graph.parse(data=data.decode("utf-8"), format="nt")


def _norm(text: str) -> str:
    text = text.casefold().replace("ё", "е")
    return re.sub(r"\s+", " ", re.sub(r"[\"«»“”'()\[\].,;:–—-]", " ", text)).strip()


# -- resolution ------------------------------------------------------------------------------
def _candidate(ctx: Context, iri: str) -> dict:
    pr = ctx.rules[iri]
    return {"iri": iri, "slug": pr.key.rsplit("/", 1)[-1], "title": pr.title, "chapter": pr.division}


def resolve_position(query: str, ctx: Context) -> rl.PositionRules:
    """By IRI, slug ("ch3-p9", "tqc-2020/ch3-p9") or title/alias; unknown or ambiguous -> LookupFailed."""
    q = query.strip()
    if q in ctx.rules:
        return ctx.rules[q]
    by_slug = [iri for iri, pr in ctx.rules.items() if q in (pr.key, pr.key.rsplit("/", 1)[-1])]
    if len(by_slug) == 1:
        return ctx.rules[by_slug[0]]
    hits = by_slug or ctx.names.get(_norm(q), [])
    if len(hits) == 1:
        return ctx.rules[hits[0]]
    if len(hits) > 1:
        raise LookupFailed(f"position {query!r} is ambiguous: {len(hits)} positions have this title; "
                           "give the slug", [_candidate(ctx, h) for h in hits])
    close = difflib.get_close_matches(_norm(q), list(ctx.names), n=5, cutoff=0.55)
    found = list(dict.fromkeys(iri for name in close for iri in ctx.names[name]))[:8]
    raise LookupFailed(f"unknown position {query!r}" + ("; did you mean one of the candidates?" if found else ""),
                       [_candidate(ctx, h) for h in found])


def resolve_category(value: str | None, pr: rl.PositionRules) -> str | None:
    if value in (None, "", "none"):
        if pr.categories:
            raise LookupFailed(f"{pr.title} ({pr.key}) has categories; give a target category: "
                               + ", ".join(pr.categories))
        return None
    v = str(value).strip()
    v = v.rsplit("/", 1)[1] if v.startswith(str(KZCODE)) else v
    for slug_, names in ps.messages()["labels"]["category"].items():
        if _norm(v) in {_norm(n) for n in names.values()}:
            v = slug_
    if v not in ps.messages()["labels"]["category"] or v in ("first", "highest") or v.startswith("manager"):
        raise LookupFailed(f"category {value!r} does not exist; expected one of: pedagog, moderator, expert, "
                           "researcher, master")
    return v


def match_documents(labels, graph: Graph, vacancy) -> dict[str, str]:
    """Portfolio document labels -> the vacancy's required-document IRIs they name (normalised, fuzzy)."""
    docs = {str(d): _norm(str(graph.value(d, RDFS.label) or "")) for d in graph.objects(vacancy, KZO.requiresDocument)}
    out = {}
    for lbl in labels:
        n = _norm(lbl)
        best = max(sorted(docs), default=None, key=lambda d: (
            1.0 if docs[d] == n or (min(len(n), len(docs[d])) >= 8 and (n in docs[d] or docs[d] in n))
            else difflib.SequenceMatcher(None, n, docs[d]).ratio()))
        if best is not None and (docs[best] == n or (min(len(n), len(docs[best])) >= 8 and
                                 (n in docs[best] or docs[best] in n))
                                 or difflib.SequenceMatcher(None, n, docs[best]).ratio() >= 0.8):
            out[lbl] = best
    return out


# -- the report ------------------------------------------------------------------------------
@dataclass
class RequirementResult:
    rule: str
    kind: str
    status: str                       # pass | fail | needs-review | info
    shape: str
    cite: rl.Cite
    message: dict[str, str]
    parts: list[dict] = field(default_factory=list)

    def to_dict(self, lang: str | None = None) -> dict:
        d = {"rule": self.rule, "status": self.status, "shape": self.shape,
             "source": {"file": self.cite.file, "point": self.cite.point, "line": self.cite.line,
                        "node": self.cite.node},
             "message": self.message[lang] if lang else self.message}
        if self.parts:
            d["parts"] = [{**p, "text": p["text"][lang] if lang else p["text"]} for p in self.parts]
        return d


@dataclass
class ValidationReport:
    person_id: str
    position: dict
    category: str | None
    vacancy: str | None
    verdict: str
    requirements: list[RequirementResult]
    shacl: Graph | None = None
    shacl_agrees: bool | None = None

    def lines(self, lang: str = "ru") -> list[str]:
        st = ps.messages()["statuses"]
        return [f"[{st[r.status][lang]}] {r.message[lang]}" for r in self.requirements]

    def to_dict(self, lang: str | None = None) -> dict:
        v = ps.messages()["verdicts"][self.verdict]
        return {"person_id": self.person_id, "position": self.position, "category": self.category,
                "vacancy": self.vacancy, "verdict": self.verdict, "verdict_text": v[lang] if lang else v,
                "requirements": [r.to_dict(lang) for r in self.requirements], "shacl_agrees": self.shacl_agrees}

    def shacl_report(self, fmt: str = "turtle") -> str:
        """The pySHACL sh:ValidationReport as Turtle or JSON-LD ("" when SHACL was not run)."""
        return self.shacl.serialize(format=fmt) if self.shacl is not None else ""


def _fmt(v) -> str:
    return f"{v.normalize():f}" if hasattr(v, "normalize") else str(v)


def _actual(rule: rl.Rule, p: Portfolio, lang: str) -> str:
    w = ps.word
    if rule.kind == "education":
        return "; ".join(ps.label("education", e.level, lang) + (f" ({w('pedagogical', lang)})" if e.pedagogical
                         else f" ({w('non-pedagogical', lang)})" if e.pedagogical is False else "")
                         + (f" «{e.profile}»" if e.profile else "") for e in p.education) or w("none", lang)
    if rule.kind in ("degree", "desirable"):
        if rule.level == "course-certificate":
            return "; ".join(p.certificates) or w("none", lang)
        if rule.level not in rl.ADDITIONAL_LEVELS and rule.level is not None:
            return "; ".join(ps.label("education", e.level, lang) for e in p.education
                             if e.level == rule.level) or w("none", lang)
        return p.academic_degree or w("none", lang)
    if rule.kind == "experience":
        keys = {k for a in rule.atoms for k in _kinds(a)}
        names = {"any": "total", "in-position": "position"}
        parts = [f"{ps.label('kind', k, lang)} " + (f"{_fmt(p.years[names.get(k, k)])} {w('years', lang)}"
                 if names.get(k, k) in p.years else w("not-stated", lang)) for k in sorted(keys)]
        if p.settlement:
            parts.append(ps.label("settlement", p.settlement, lang))
        if any(a.condition == rl.TEACHING for a in rule.atoms):
            teach = {True: w("held", lang), False: w("not-held", lang), None: w("not-stated", lang)}
            parts.append(f"{w('when-teaching', lang)}: {teach[p.teaching_activity]}")
        return ", ".join(parts)
    if rule.kind == "category-offered":
        return ps.label("category", p.category, lang) if p.category else w("none", lang)
    if rule.kind in ("prerequisite", "teaching-addon"):
        cur = ps.label("category", p.current_category, lang) if p.current_category else w("none", lang)
        if rule.kind == "teaching-addon":
            teach = {True: w("held", lang), False: w("not-held", lang), None: w("not-stated", lang)}
            cur += f" ({w('when-teaching', lang)}: {teach[p.teaching_activity]})"
        return cur
    if rule.kind == "document":
        return "-"
    return ""


def _kinds(a: rl.Atom):
    yield a.kind
    for c in a.children:
        yield from _kinds(c)


def _result(rule: rl.Rule, status: str, shape: str, p: Portfolio, node: dict) -> RequirementResult:
    msg = ps.messages()
    message = {}
    for lang in ps.LANGS:
        cite = msg["cite"][lang].format(file=rule.cite.file, point=rule.cite.point or "-", line=rule.cite.line or "-")
        actual = _actual(rule, p, lang)
        if rule.kind == "document":
            actual = ps.word("held" if status == ps.PASS else "not-held", lang)
        message[lang] = msg["rules"][rule.kind][lang].format(required=rule.required.get(lang, ""), actual=actual,
                                                             cite=cite, quote=rule.quote)
    parts = []
    for a in rule.atoms:
        s = ps.FAIL if not ps.holds(a.ps, node) else ps.PASS if ps.holds(a.ds, node) else ps.REVIEW
        parts.append({"status": s, "node": a.iri, "line": a.cite.line, "group": a.group,
                      "text": {lang: rl.describe_atom(a, lang) for lang in ps.LANGS}})
    return RequirementResult(rule.id, rule.kind, "info" if rule.info else status, shape, rule.cite, message, parts)


def rules_for(pr: rl.PositionRules, category: str | None, vacancy_rules=()) -> list[tuple[str, rl.Rule]]:
    """(shape base name, rule) for a target, in report order."""
    key = pr.key.replace("/", "-")
    out = [(f"portfolio-{key}-category-offered", pr.offered)]
    if category in pr.rules:
        out += [(f"{ps.shape_base(pr.key, category)}-{r.id}", r) for r in pr.rules[category]]
    return out + list(vacancy_rules)


def verdict_of(statuses) -> str:
    statuses = [s for s in statuses if s != "info"]
    return "does-not-meet" if ps.FAIL in statuses else "needs-review" if ps.REVIEW in statuses else "meets"


def validate_portfolio(portfolio: dict | Graph | Portfolio, position: str | None = None,
                       category: str | None = None, *, vacancy: str | None = None, graph: Graph | None = None,
                       shacl: bool = True) -> ValidationReport:
    """Check one portfolio; position/category/vacancy override the portfolio's own target.

    :raises PortfolioError: the portfolio is malformed or impossible (LookupFailed: unknown position,
        ambiguous title, unknown category or vacancy).
    """
    ctx = context(graph)
    if isinstance(portfolio, Graph):
        portfolio = graph_to_dict(portfolio)
    p = portfolio if isinstance(portfolio, Portfolio) else check_portfolio(portfolio)
    query = position or p.position
    if not query and (vacancy or p.vacancy):
        query = str(ctx.graph.value(URIRef(vacancy or p.vacancy), KZO.forPosition) or "")
    if not query:
        raise LookupFailed("no target position: give one in the portfolio (target.position) or as an argument")
    pr = resolve_position(query, ctx)
    cat = resolve_category(category if category is not None else p.category, pr)
    v_iri = vacancy or p.vacancy
    named, docs = [], {}
    if v_iri:
        v = URIRef(v_iri)
        if (v, RDF.type, KZO.Vacancy) not in ctx.graph:
            raise LookupFailed(f"unknown vacancy {v_iri!r}")
        base = "vacancy-" + str(v).rsplit("/id/", 1)[-1].replace("/", "-")
        named = [(f"{base}-{r.id}", r) for r in rl.vacancy_rules(ctx.graph, v)]
        docs = match_documents(p.documents, ctx.graph, v)
    p = Portfolio(**{**p.__dict__, "category": cat})
    node = portfolio_node(p, pr.position, cat, vacancy=v_iri, documents=docs)
    targets = rules_for(pr, cat, named)
    results = [_result(r, ps.status(r, node), name, p, node) for name, r in targets]
    report = ValidationReport(p.person_id, _candidate(ctx, pr.position), cat, v_iri,
                              verdict_of(r.status for r in results), results)
    if shacl:
        report.shacl, statuses = run_shacl(node, targets, v_iri, pr, cat)
        report.shacl_agrees = all(statuses.get(name, ps.PASS) == res.status
                                  for (name, _), res in zip(targets, results) if res.status != "info")
    return report


def run_shacl(node: dict, targets, vacancy: str | None, pr: rl.PositionRules, category: str | None):
    """pySHACL over the generated shapes of this target only; (results graph, {shape base: status})."""
    from pyshacl import validate

    shapes = Graph()
    key = pr.key.replace("/", "-")
    t_pos = ps._target(shapes, key, f"?this <{KZO.targetPosition}> <{pr.position}> .")
    cat_where = f"?this <{KZO.targetCategory}> <{KZCODE[f'category/{category}']}> ." if category else \
        f"FILTER NOT EXISTS {{ ?this <{KZO.targetCategory}> ?c }}"
    t_cat = ps._target(shapes, f"{key}-{category or 'none'}",
                       f"?this <{KZO.targetPosition}> <{pr.position}> . {cat_where}")
    t_vac = ps._target(shapes, "vacancy", f"?this <{KZO.targetVacancy}> <{vacancy}> .") if vacancy else None
    for name, rule in targets:
        t = t_pos if rule is pr.offered else t_vac if rule.kind == "document" else t_cat
        ps.rule_shapes(shapes, rule, name, t)
    _, results, _ = validate(node_graph(node), shacl_graph=shapes, advanced=True, inference="none",
                             allow_warnings=True)
    return results, shacl_statuses(results)


def shacl_statuses(results: Graph, per_focus: bool = False) -> dict:
    """{shape base name: fail | needs-review} from a pySHACL results graph ({focus: {...}} if per_focus)."""
    out: dict = {}
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, r) in results:
            continue
        name = str(results.value(r, SH.sourceShape)).split("#", 1)[-1]
        bucket = out.setdefault(str(results.value(r, SH.focusNode)), {}) if per_focus else out
        if name.endswith("-review"):
            bucket.setdefault(name[:-7], ps.REVIEW)
        else:
            bucket[name] = ps.FAIL
    return out


def shacl_batch(nodes: list[dict], shapes: Graph) -> dict[str, dict[str, str]]:
    """pySHACL once over many portfolio nodes with the given shapes: {portfolio IRI: {shape: status}}."""
    from pyshacl import validate

    data = Graph()
    for node in nodes:
        node_graph(node, data)
    _, results, _ = validate(data, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True)
    found = shacl_statuses(results, per_focus=True)
    return {str(n["@id"]): found.get(str(n["@id"]), {}) for n in nodes}


def compiled_statuses(node: dict, targets) -> dict[str, str]:
    """The compiled checks' non-passing statuses, keyed like `shacl_batch` (info rules left out)."""
    out = {}
    for name, rule in targets:
        if not rule.info:
            s = ps.status(rule, node)
            if s != ps.PASS:
                out[name] = s
    return out


# -- the API of POST /validate ---------------------------------------------------------------
def validate_json(payload: dict, graph: Graph | None = None) -> dict:
    """POST /validate: {"portfolio": {...}, "position"?, "category"?, "vacancy"?, "lang"?, "shacl"?}.

    Returns the report as a dict (docs/validation.md); `shacl_report` holds the Turtle report when
    "shacl": true was asked. Raises `service.errors.ApiError` (400) for bad input.
    """
    from service.errors import bad_request

    if not isinstance(payload, dict) or not isinstance(payload.get("portfolio"), dict):
        raise bad_request("the body must be a JSON object with a \"portfolio\" object", "invalid_request")
    unknown = sorted(set(payload) - {"portfolio", "position", "category", "vacancy", "lang", "shacl"})
    lang = payload.get("lang")
    if unknown or lang not in (None, *ps.LANGS):
        raise bad_request(f"unknown field(s): {', '.join(unknown)}" if unknown else
                          f"lang must be one of {', '.join(ps.LANGS)}", "invalid_request")
    try:
        report = validate_portfolio(payload["portfolio"], payload.get("position"), payload.get("category"),
                                    vacancy=payload.get("vacancy"), graph=graph, shacl=bool(payload.get("shacl")))
    except LookupFailed as e:
        raise bad_request(str(e), "unknown_target", {"candidates": e.candidates})
    except PortfolioError as e:
        raise bad_request(str(e), "invalid_portfolio", {"issues": [i.__dict__ for i in e.issues]})
    out = report.to_dict(lang)
    if payload.get("shacl"):
        out["shacl_report"] = report.shacl_report("turtle")
    return out
