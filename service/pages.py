"""The web pages: handlers as plain functions returning HTML (or SVG, JSON) for the routes in
`service.app`.  Server-rendered with Jinja2; no external resources (CSS and JS under /-/static/).

| handler | page |
|---|---|
| `home_page` | / — search over position titles in ru/kk/en, and every position |
| `entity_page` | /id/…, /code/…, /eli/… — position, act or generic entity |
| `ontology_page` | /onto — every kzo term with ru/kk/en labels and definitions |
| `sparql_page` | /-/sparql — the SPARQL editor with the named queries as examples |
| `network_page`, `network_json` | /-/network — the position–act network |
| `ladder_page`, `ladder_svg` | /-/ladder — the category progression of one position |
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import errors
from .linked_data import ONTO, compact, iri_ref, local_href, not_found_entity
from .page_data import KZO, Ctx, entity, network, ontology, positions, search
from .position_data import act, ladder, position

HERE = Path(__file__).resolve().parent
TEMPLATES, STATIC = HERE / "templates", HERE / "static"
SOURCES = HERE.parent / "data" / "sources"
LANGS = ("ru", "kk", "en")
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
_STATIC_NAME = re.compile(r"[a-z0-9-]+\.(css|js|svg)")
_HEADER_LINE = re.compile(r"^#\s*(title|description|param|example)(@[a-z]+)?:.*\n", re.M)


@functools.lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    return yaml.safe_load((TEMPLATES / "messages.yaml").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "svg"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = local_href
    env.filters["compact"] = compact
    env.filters["slug"] = lambda iri: (iri or "").rstrip("/").rsplit("/", 1)[-1]
    return env


def choose_lang(param: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The UI language: ``?lang=``, else the cookie, else Accept-Language, else Russian.

    >>> choose_lang(None, None, "en-GB,en;q=0.9"), choose_lang("kk", "en", None)
    ('en', 'kk')
    """
    for value in (param, cookie):
        if value in LANGS:
            return value
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "ru"


def translator(lang: str) -> Callable[[str], str]:
    table = messages()

    def t(key: str) -> str:
        entry = table.get(key)
        return entry.get(lang) or entry["en"] if entry else key
    return t


def render(template: str, ctx: Ctx, path: str, params: Mapping[str, str], **values: Any) -> str:
    """Render `template` with the UI language helpers (`t`, language switch links)."""
    def lang_url(code: str) -> str:
        return path + "?" + urlencode({**{k: v for k, v in params.items() if k != "lang"}, "lang": code})
    return environment().get_template(template).render(
        lang=ctx.lang, langs=LANGS, t=translator(ctx.lang), lang_url=lang_url, path=path, **values)


# ---------------------------------------------------------------- pages

def home_page(ctx: Ctx, q: str, path: str = "/", params: Mapping[str, str] = {}) -> str:
    q = q.strip()[:200]
    hits = search(ctx, q) if q else []
    everything = positions(ctx)
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in everything:
        groups.setdefault(p["file"] or "?", []).append(p)
    return render("home.html", ctx, path, params, q=q, hits=hits, groups=groups, total=len(everything))


def entity_page(ctx: Ctx, iri: str, path: str, params: Mapping[str, str] = {}) -> str:
    """The HTML page of `iri`: a position, an act, the ontology, or any other entity.

    :raises ApiError: 404 when the graph says nothing about `iri`.
    """
    if iri == ONTO:
        return ontology_page(ctx, path, params)
    types = {r.get("t") for r in ctx.rows(f"SELECT ?t WHERE {{ {iri_ref(iri)} ?p ?o OPTIONAL {{ {iri_ref(iri)} a ?t }} }}")}
    if not types:
        raise not_found_entity(iri)
    formats = {"ttl": path + ".ttl", "jsonld": path + ".jsonld", "nt": path + ".nt"}
    if KZO + "Position" in types:
        pos = position(ctx, iri)
        return render("position.html", ctx, path, params, p=pos, formats=formats,
                      ladder_svg=ladder_svg(ctx, iri), source=source_excerpt(pos["file"], pos["line"],
                                                                             pos["end_line"]))
    if KZO + "LegalAct" in types:
        return render("act.html", ctx, path, params, a=act(ctx, iri), formats=formats)
    return render("entity.html", ctx, path, params, e=entity(ctx, iri), formats=formats)


def ontology_page(ctx: Ctx, path: str = "/onto", params: Mapping[str, str] = {}) -> str:
    formats = {"ttl": "/onto.ttl", "jsonld": "/onto.jsonld", "nt": "/onto.nt"}
    return render("ontology.html", ctx, path, params, o=ontology(ctx), formats=formats, onto=ONTO)


def sparql_page(ctx: Ctx, queries: Mapping[str, Any], path: str = "/-/sparql",
                params: Mapping[str, str] = {}) -> str:
    examples = []
    for q in queries.values():
        try:
            text = q.render(q.example_params())
        except Exception:  # a query whose example does not render is listed with its raw text
            text = q.text
        text = _HEADER_LINE.sub("", text).lstrip("\n")
        examples.append({"name": q.name, "title": q.titles.get(ctx.lang) or q.titles.get("en") or q.name,
                         "description": q.descriptions.get(ctx.lang) or q.descriptions.get("en", ""),
                         "query": text})
    initial = params.get("query") or (examples[0]["query"] if examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    return render("sparql.html", ctx, path, params, examples=examples, initial=initial,
                  examples_json=json.dumps(examples, ensure_ascii=False).replace("</", "<\\/"))


def network_page(ctx: Ctx, path: str = "/-/network", params: Mapping[str, str] = {}) -> str:
    data = network(ctx)
    return render("network.html", ctx, path, params, org_types=data["org_types"],
                  source_files=data["source_files"], org_type=params.get("org_type", ""),
                  source_file=params.get("source", ""))


def network_json(ctx: Ctx, org_type: str | None, source_file: str | None) -> dict[str, Any]:
    return network(ctx, org_type or None, source_file or None)


def _check_position(ctx: Ctx, position_iri: str) -> None:
    """:raises ApiError: 404 unless `position_iri` is a kzo:Position."""
    if not ctx.rows(f"SELECT ?t WHERE {{ {iri_ref(position_iri)} a kzo:Position }} LIMIT 1"):
        raise errors.not_found(f"No position <{position_iri}>; choose one from the list on /-/ladder.",
                               "unknown_entity")


def ladder_svg_of(ctx: Ctx, position_iri: str) -> str:
    """The ladder SVG of a known position.

    :raises ApiError: 404 for an IRI that is not a position.
    """
    _check_position(ctx, position_iri)
    return ladder_svg(ctx, position_iri)


def ladder_page(ctx: Ctx, position_iri: str | None, path: str = "/-/ladder",
                params: Mapping[str, str] = {}) -> str:
    everything = positions(ctx)
    if position_iri:
        _check_position(ctx, position_iri)
    chosen = position_iri or (everything[0]["iri"] if everything else None)
    return render("ladder.html", ctx, path, params, positions=everything, chosen=chosen,
                  svg=ladder_svg(ctx, chosen) if chosen else "")


# ---------------------------------------------------------------- the category ladder (SVG)

BOX_W, GAP, TOP, BOX_H, LINE_H = 160, 36, 44, 56, 17


def ladder_svg(ctx: Ctx, position_iri: str) -> str:
    """The category progression as a self-contained SVG (presentation attributes only: no CSS)."""
    data = ladder(ctx, position_iri)
    t = translator(ctx.lang)
    steps = data["steps"]
    lines_per_step = [[_req_line(e, t) for e in s["requirements"]] for s in steps]
    depth = max([len(x) for x in lines_per_step] + [1])
    width = 20 + len(steps) * (BOX_W + GAP)
    height = TOP + BOX_H + 16 + depth * LINE_H + 16
    title = data["position"]["label"] if data["position"] else ""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ladder" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#56708f"/></marker></defs>',
           f'<text x="20" y="24" font-size="15" font-weight="bold" fill="#1d2b3a">{escape(title)}</text>']
    for i, (step, lines) in enumerate(zip(steps, lines_per_step)):
        x = 20 + i * (BOX_W + GAP)
        fill = "#dcebf7" if lines else "#f1f3f5"
        out.append(f'<a href="{escape(local_href(step["iri"]))}"><rect x="{x}" y="{TOP}" width="{BOX_W}" '
                   f'height="{BOX_H}" rx="8" fill="{fill}" stroke="#56708f"/>'
                   f'<text x="{x + BOX_W / 2}" y="{TOP + 22}" text-anchor="middle" font-size="13" '
                   f'fill="#1d2b3a">{step["rank"]}. {escape(step["label"][:24])}</text></a>')
        if i + 1 < len(steps):
            out.append(f'<line x1="{x + BOX_W + 2}" y1="{TOP + BOX_H / 2}" x2="{x + BOX_W + GAP - 4}" '
                       f'y2="{TOP + BOX_H / 2}" stroke="#56708f" stroke-width="2" marker-end="url(#arrow)"/>')
        summary = _years_summary(step["requirements"], t)
        out.append(f'<text x="{x + BOX_W / 2}" y="{TOP + 42}" text-anchor="middle" font-size="12" '
                   f'fill="#2c5d8a">{escape(summary)}</text>')
        for k, line in enumerate(lines):
            out.append(f'<text x="{x + 4}" y="{TOP + BOX_H + 20 + k * LINE_H}" font-size="11" '
                       f'fill="#3b4b5c">{escape(line[:30])}<title>{escape(line)}</title></text>')
    out.append("</svg>")
    return "\n".join(out)


def _years_summary(reqs: list[dict[str, Any]], t: Callable[[str], str]) -> str:
    values = sorted({e["years"] for e in reqs if e["years"]}, key=lambda v: float(v.split("–")[0]))
    if not values:
        return "—"
    return f"≥ {values[0]}{'…' + values[-1] if len(values) > 1 else ''} {t('years')}"


def _req_line(e: dict[str, Any], t: Callable[[str], str]) -> str:
    parts = [f"{e['years']} {t('years')}" if e["years"] else e["text"][:20]]
    parts += [v for v in (e["education"], e["settlement"]) if v]
    return " · ".join(parts) + (" ⚠" if e["needs_review"] else "")


# ---------------------------------------------------------------- sources and static files

def source_excerpt(file: str, line: str, end_line: str, limit: int = 400) -> list[tuple[int, str]]:
    """The source lines [line, end_line] of `file` under data/sources/ (empty when unavailable)."""
    if not file or not line or "/" in file or not (SOURCES / file).is_file():
        return []
    start, end = int(line), int(end_line or line)
    with open(SOURCES / file, encoding="utf-8", errors="replace") as fh:
        selected = [(n, text.rstrip("\n")) for n, text in enumerate(fh, 1) if start <= n <= min(end, start + limit)]
    return selected


def static_file(name: str) -> tuple[bytes, str]:
    """The bytes and media type of a file under service/static/.

    :raises ApiError: 404 for any other name.
    """
    if not _STATIC_NAME.fullmatch(name) or not (STATIC / name).is_file():
        raise errors.not_found(f"No static file {name!r}.")
    return (STATIC / name).read_bytes(), STATIC_TYPES[Path(name).suffix]
