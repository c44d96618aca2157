"""Portfolio input: JSON / YAML / Turtle / JSON-LD / CSV -> checked `Portfolio` -> RDF node.

The JSON/YAML form is fixed by `shapes/portfolio.schema.json` (documented in docs/validation.md);
Turtle and JSON-LD portfolios (`kzo:Portfolio`) are read into the same dict form and checked by the
same schema, so every input form gets the same errors. Errors carry the line and column of a syntax
error, the names of unknown fields, and say which value is impossible.

`portfolio_node` gives the one description of a portfolio that both checkers read: a dict
{predicate IRI: [values]} that `node_graph` turns into triples for pySHACL and that the compiled
checks of `service.portfolio_shapes` evaluate directly.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import yaml
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from loaders.namespaces import KZCODE, KZID, KZO
from service.schema_check import Unsupported, compile_schema

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "shapes" / "portfolio.schema.json"
YEAR_FIELDS = {"total": KZO.experienceYears, "pedagogical": KZO.pedagogicalYears,
               "specialty": KZO.specialtyYears, "position": KZO.positionYears,
               "managerial": KZO.managerialYears, "enterprise": KZO.enterpriseYears}
CATEGORY_SCHEME = {"first": "legacy-category", "highest": "legacy-category", "manager": "manager-category",
                   "manager-3": "manager-category", "manager-2": "manager-category",
                   "manager-1": "manager-category"}
FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".ttl": "turtle", ".jsonld": "json-ld",
           ".csv": "csv"}


@dataclass(frozen=True)
class InputIssue:
    """One problem of an input: where (field path, line, column) and what."""

    message: str
    field: str = ""
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        return f"{where}{self.field + ': ' if self.field else ''}{self.message}"


class PortfolioError(ValueError):
    """The input is not a valid portfolio (CLI exit code 2, HTTP 400); `issues` says why."""

    def __init__(self, issues: list[InputIssue], source: str = "") -> None:
        self.issues = issues
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "; ".join(str(i) for i in issues))


@dataclass(frozen=True)
class Education:
    level: str
    profile: str | None = None
    pedagogical: bool | None = None


@dataclass(frozen=True)
class Portfolio:
    """A checked portfolio (values as in the JSON form, years as Decimal)."""

    person_id: str
    education: tuple[Education, ...]
    position: str | None = None
    category: str | None = None
    vacancy: str | None = None
    years: dict[str, Decimal] = field(default_factory=dict)
    settlement: str | None = None
    admin_level: str | None = None
    teaching_activity: bool | None = None
    current_category: str | None = None
    awarded: date | None = None
    documents: tuple[str, ...] = ()
    academic_degree: str | None = None
    certificates: tuple[str, ...] = ()


# -- parsing ---------------------------------------------------------------------------------
def format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise PortfolioError([InputIssue(f"unknown file type {path.suffix!r}; expected one of "
                                         + ", ".join(sorted(FORMATS)))], str(path))
    return fmt


def parse_text(text: str, fmt: str, source: str = "") -> dict:
    """The dict form of one portfolio in `fmt` (json, yaml, turtle, json-ld); syntax errors located."""
    try:
        if fmt == "json":
            data = json.loads(text)
        elif fmt == "yaml":
            data = yaml.safe_load(text)
        elif fmt in ("turtle", "json-ld"):
            return graph_to_dict(_parse_rdf(text, fmt, source), source)
        else:
            raise PortfolioError([InputIssue(f"unsupported format {fmt!r}")], source)
    except json.JSONDecodeError as e:
        raise PortfolioError([InputIssue(f"malformed JSON: {e.msg}", line=e.lineno, column=e.colno)], source)
    except RecursionError:
        raise PortfolioError([InputIssue(f"malformed {fmt.upper()}: nested too deeply (a portfolio is a few "
                                         "levels deep)")], source) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise PortfolioError([InputIssue(f"malformed YAML: {e.problem or e.context}",
                                         line=mark.line + 1 if mark else None,
                                         column=mark.column + 1 if mark else None)], source)
    if not isinstance(data, dict):
        raise PortfolioError([InputIssue("a portfolio must be an object (a mapping of fields)")], source)
    return data


def _parse_rdf(text: str, fmt: str, source: str) -> Graph:
    try:
        return Graph().parse(data=text, format=fmt)
    except json.JSONDecodeError as e:
        raise PortfolioError([InputIssue(f"malformed JSON-LD: {e.msg}", line=e.lineno, column=e.colno)], source)
    except Exception as e:  # rdflib's BadSyntax and friends
        args = getattr(e, "args", ())
        if len(args) == 5 and isinstance(args[2], str):  # BadSyntax(uri, lines, text, index, why)
            _, _, body, index, why = args
            line = body.count("\n", 0, index) + 1
            column = index - (body.rfind("\n", 0, index) + 1) + 1
            raise PortfolioError([InputIssue(f"malformed Turtle: {why}", line=line, column=column)], source)
        raise PortfolioError([InputIssue(f"malformed {fmt}: {e}")], source)


def read_portfolio(path: Path) -> dict:
    """Read one portfolio file (format by suffix) into its dict form."""
    fmt = format_of(path)
    if fmt == "csv":
        raise PortfolioError([InputIssue("a CSV file is a batch; use read_batch")], str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PortfolioError([InputIssue(f"cannot read the file: {e}")], str(path))
    return parse_text(text, fmt, str(path))


# -- checking --------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker())


@lru_cache(maxsize=1)
def _fast_check() -> Callable[[Any], bool] | None:
    """`compile_schema` of the portfolio schema; None (jsonschema alone) if it uses an unmirrored keyword."""
    try:
        return compile_schema(_schema())
    except Unsupported:
        return None


def _schema_issues(data: Any) -> list[InputIssue]:
    """The schema errors of `data` as issues, sorted by field path then message."""
    issues = []
    for err in sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.path)), e.message)):
        where = ".".join(str(p) for p in err.path)
        if err.validator == "additionalProperties":
            known = sorted(err.schema.get("properties", {}))
            extra = sorted(set(err.instance) - set(known))
            issues.append(InputIssue(f"unknown field(s) {', '.join(map(repr, extra))}; known: {', '.join(known)}",
                                     where))
        elif err.validator == "minimum":
            issues.append(InputIssue(f"impossible value {err.instance!r}: must be >= {err.validator_value}", where))
        elif err.validator == "enum":
            allowed = ", ".join(str(v) for v in err.validator_value if v is not None)
            issues.append(InputIssue(f"{err.instance!r} does not exist; expected one of: {allowed}", where))
        else:
            issues.append(InputIssue(err.message, where))
    return issues


def check_portfolio(data: dict, source: str = "", today: date | None = None) -> Portfolio:
    """Check a dict form against the schema and the facts of the calendar; raises PortfolioError."""
    fast = _fast_check()
    # jsonschema only for what the compiled check rejects: it words the errors, but is 10-15x slower
    issues = [] if fast is not None and fast(data) else _schema_issues(data)
    if issues:
        raise PortfolioError(issues, source)
    target, exp, cat = data.get("target") or {}, data.get("experience") or {}, data.get("category") or {}
    awarded = None
    if cat.get("awarded"):
        try:
            awarded = date.fromisoformat(cat["awarded"])
        except ValueError:
            raise PortfolioError([InputIssue(f"{cat['awarded']!r} is not a date", "category.awarded")], source)
        if awarded > (today or date.today()):
            raise PortfolioError([InputIssue(f"{awarded.isoformat()} is in the future", "category.awarded")], source)
    years = {k: Decimal(str(exp[k])) for k in YEAR_FIELDS if exp.get(k) is not None}
    if "total" in years:
        for k, v in years.items():
            if v > years["total"] and k != "enterprise":
                issues.append(InputIssue(f"{v} years exceed the total experience ({years['total']})", f"experience.{k}"))
    if issues:
        raise PortfolioError(issues, source)
    return Portfolio(
        person_id=data["person_id"],
        education=tuple(Education(e["level"], (e.get("profile") or None), e.get("pedagogical"))
                        for e in data.get("education") or ()),
        position=target.get("position"), category=target.get("category"), vacancy=target.get("vacancy"),
        years=years, settlement=exp.get("settlement"), admin_level=exp.get("admin_level"),
        teaching_activity=exp.get("teaching_activity"), current_category=cat.get("current"), awarded=awarded,
        documents=tuple(data.get("documents") or ()), academic_degree=data.get("academic_degree") or None,
        certificates=tuple(data.get("certificates") or ()))


# -- RDF in ----------------------------------------------------------------------------------
_SCALAR = {KZO.personId: ("person_id",), KZO.academicDegree: ("academic_degree",),
           KZO.settlementType: ("experience", "settlement"), KZO.administrativeLevel: ("experience", "admin_level"),
           KZO.teachingActivity: ("experience", "teaching_activity"),
           KZO.targetPosition: ("target", "position"), KZO.targetCategory: ("target", "category"),
           KZO.targetVacancy: ("target", "vacancy"), KZO.currentCategory: ("category", "current"),
           KZO.categoryAwarded: ("category", "awarded")}
_SCALAR.update({pred: ("experience", key) for key, pred in YEAR_FIELDS.items()})
_EDU = {KZO.educationLevel: "level", KZO.educationProfile: "profile", KZO.pedagogicalEducation: "pedagogical"}


def _value(term) -> Any:
    if isinstance(term, URIRef):
        text = str(term)
        return text.rsplit("/", 1)[1] if text.startswith(str(KZCODE)) else text
    value = term.toPython()
    if isinstance(value, date):
        return value.isoformat()
    return float(value) if isinstance(value, Decimal) else value


def graph_to_dict(graph: Graph, source: str = "") -> dict:
    """The dict form of the one kzo:Portfolio of `graph`; unknown predicates are errors."""
    nodes = sorted(set(graph.subjects(RDF.type, KZO.Portfolio)), key=str)
    if len(nodes) != 1:
        raise PortfolioError([InputIssue(f"expected one kzo:Portfolio, found {len(nodes)}")], source)
    node, data, unknown = nodes[0], {}, set()
    for pred, obj in sorted(graph.predicate_objects(node)):
        if pred == RDF.type:
            continue
        if pred in _SCALAR:
            *outer, key = _SCALAR[pred]
            (data.setdefault(outer[0], {}) if outer else data)[key] = _value(obj)
        elif pred == KZO.hasEducation:
            edu = {}
            for p2, o2 in graph.predicate_objects(obj):
                if p2 in _EDU:
                    edu[_EDU[p2]] = _value(o2)
                elif p2 != RDF.type:
                    unknown.add(graph.namespace_manager.normalizeUri(p2))
            data.setdefault("education", []).append(edu)
        elif pred == KZO.holdsDocument:
            label = graph.value(obj, RDFS.label)
            data.setdefault("documents", []).append(str(label) if label is not None else str(obj))
        elif pred == KZO.certificate:
            data.setdefault("certificates", []).append(str(obj))
        else:
            unknown.add(graph.namespace_manager.normalizeUri(pred))
    if unknown:
        raise PortfolioError([InputIssue("unknown propert(ies) " + ", ".join(sorted(unknown)))], source)
    data.get("education", []).sort(key=lambda e: json.dumps(e, sort_keys=True, ensure_ascii=False))
    return data


# -- RDF out ---------------------------------------------------------------------------------
def portfolio_iri(person_id: str) -> URIRef:
    return KZID[f"portfolio/{quote(person_id, safe='')}"]


class _Terms:
    """`namespace.name` with each term built once: rdflib builds a new URIRef on every access."""

    def __init__(self, namespace) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):           # introspection (copy, inspect.unwrap), not a term
            raise AttributeError(name)
        term = self._namespace[name]
        setattr(self, name, term)   # later lookups find the attribute and skip __getattr__
        return term


_KZO, _RDF, _RDFS = _Terms(KZO), _Terms(RDF), _Terms(RDFS)


@lru_cache(maxsize=256)
def _code(path: str) -> URIRef:
    return KZCODE[path]


def portfolio_node(p: Portfolio, position: str, category: str | None, *, vacancy: str | None = None,
                   documents: dict[str, str] | None = None) -> dict:
    """The portfolio as {predicate: [values]} ("@id" for its IRI), as both checkers read it.

    `documents` maps a document label of the portfolio to the IRI of the vacancy's required document
    it was matched with; other labels stay plain labels.
    """
    iri = portfolio_iri(p.person_id)
    node: dict = {"@id": iri, _RDF.type: [_KZO.Portfolio], _KZO.personId: [p.person_id],
                  _KZO.targetPosition: [URIRef(position)]}
    if category:
        node[_KZO.targetCategory] = [_code(f"category/{category}")]
    if vacancy:
        node[_KZO.targetVacancy] = [URIRef(vacancy)]
    if p.current_category:
        scheme = CATEGORY_SCHEME.get(p.current_category, "category")
        node[_KZO.currentCategory] = [_code(f"{scheme}/{p.current_category}")]
    if p.awarded:
        node[_KZO.categoryAwarded] = [p.awarded]
    educations = []
    for k, e in enumerate(p.education, start=1):
        edu = {"@id": URIRef(f"{iri}/education/{k}"), _RDF.type: [_KZO.Education],
               _KZO.educationLevel: [_code(f"education/{e.level}")]}
        if e.profile:
            edu[_KZO.educationProfile] = [e.profile]
        if e.pedagogical is not None:
            edu[_KZO.pedagogicalEducation] = [e.pedagogical]
        educations.append(edu)
    if educations:
        node[_KZO.hasEducation] = educations
    for key, pred in YEAR_FIELDS.items():
        if key in p.years:
            node[pred] = [p.years[key]]
    if p.settlement:
        node[_KZO.settlementType] = [_code(f"settlement/{p.settlement}")]
    if p.admin_level:
        node[_KZO.administrativeLevel] = [_code(f"admin-level/{p.admin_level}")]
    if p.teaching_activity is not None:
        node[_KZO.teachingActivity] = [p.teaching_activity]
    if p.academic_degree:
        node[_KZO.academicDegree] = [p.academic_degree]
    if p.certificates:
        node[_KZO.certificate] = list(p.certificates)
    docs = []
    for k, label in enumerate(p.documents, start=1):
        matched = (documents or {}).get(label)
        docs.append(URIRef(matched) if matched else {"@id": URIRef(f"{iri}/document/{k}"), _RDFS.label: [label]})
    if docs:
        node[_KZO.holdsDocument] = docs
    return node


def node_graph(node: dict, graph: Graph | None = None) -> Graph:
    """Triples of a `portfolio_node` (nested nodes included)."""
    g = graph if graph is not None else Graph()
    subject = node["@id"]
    for pred, values in node.items():
        if pred == "@id":
            continue
        for v in values:
            if isinstance(v, dict):
                g.add((subject, pred, v["@id"]))
                node_graph(v, g)
            elif isinstance(v, URIRef):
                g.add((subject, pred, v))
            elif isinstance(v, date):
                g.add((subject, pred, Literal(v, datatype=XSD.date)))
            else:
                g.add((subject, pred, Literal(v)))
    return g


# -- CSV batches -----------------------------------------------------------------------------
CSV_COLUMNS = ("person_id", "position", "category", "vacancy", "education_levels", "education_profiles",
               "education_pedagogical", "experience_total", "experience_pedagogical", "experience_specialty",
               "experience_position", "experience_managerial", "experience_enterprise", "settlement",
               "admin_level", "teaching_activity", "current_category", "category_awarded", "academic_degree",
               "certificates", "documents")
_TRUE, _FALSE = {"yes", "true", "1", "да", "иә"}, {"no", "false", "0", "нет", "жоқ"}


def _split(cell: str | None) -> list[str]:
    return [x.strip() for x in (cell or "").split("|")] if (cell or "").strip() else []


def _flag(cell: str, where: str) -> bool | None:
    c = (cell or "").strip().lower()
    if not c:
        return None
    if c in _TRUE | _FALSE:
        return c in _TRUE
    raise PortfolioError([InputIssue(f"{cell!r} is not yes/no", where)])


def _number(cell: str, where: str) -> float | None:
    c = (cell or "").strip().replace(",", ".")
    if not c:
        return None
    if not re.fullmatch(r"-?\d+(\.\d+)?", c):
        raise PortfolioError([InputIssue(f"{cell!r} is not a number", where)])
    return float(c)


def row_to_dict(row: dict[str, str]) -> dict:
    """One CSV row (columns CSV_COLUMNS, lists separated by "|") -> the dict form."""
    unknown = sorted(k for k in row if k not in CSV_COLUMNS)
    if unknown:
        raise PortfolioError([InputIssue(f"unknown column(s) {', '.join(unknown)}")])
    levels, profiles, peds = (_split(row.get(c)) for c in ("education_levels", "education_profiles",
                                                            "education_pedagogical"))
    education = []
    for k, level in enumerate(levels):
        edu: dict = {"level": level}
        if k < len(profiles) and profiles[k]:
            edu["profile"] = profiles[k]
        if k < len(peds):
            edu["pedagogical"] = _flag(peds[k], "education_pedagogical")
        education.append(edu)
    data: dict = {"person_id": (row.get("person_id") or "").strip(), "education": education,
                  "target": {k: row[k].strip() for k in ("position", "category", "vacancy") if (row.get(k) or "").strip()},
                  "experience": {}, "category": {}}
    for key in YEAR_FIELDS:
        value = _number(row.get(f"experience_{key}", ""), f"experience_{key}")
        if value is not None:
            data["experience"][key] = value
    for key in ("settlement", "admin_level"):
        if (row.get(key) or "").strip():
            data["experience"][key] = row[key].strip()
    teaching = _flag(row.get("teaching_activity", ""), "teaching_activity")
    if teaching is not None:
        data["experience"]["teaching_activity"] = teaching
    for key, col in (("current", "current_category"), ("awarded", "category_awarded")):
        if (row.get(col) or "").strip():
            data["category"][key] = row[col].strip()
    if (row.get("academic_degree") or "").strip():
        data["academic_degree"] = row["academic_degree"].strip()
    for key in ("certificates", "documents"):
        if _split(row.get(key)):
            data[key] = _split(row.get(key))
    return data


def read_batch(text: str, source: str = "") -> list[tuple[int, dict | PortfolioError]]:
    """(line number, dict form or the error of that row) for every data row of a CSV batch."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "person_id" not in reader.fieldnames:
        raise PortfolioError([InputIssue("a batch CSV needs a header row with at least person_id", line=1)], source)
    rows: list[tuple[int, dict | PortfolioError]] = []
    for row in reader:
        line = reader.line_num
        try:
            rows.append((line, row_to_dict({k: v for k, v in row.items() if k is not None})))
        except PortfolioError as e:
            rows.append((line, PortfolioError([InputIssue(i.message, i.field, line) for i in e.issues], source)))
    return rows
