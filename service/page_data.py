"""The data behind the HTML pages: SPARQL over the engine, turned into plain dicts for templates.

Every function takes a `Ctx` (engine, settings, UI language) and returns dicts and lists of
strings; labels are chosen in the UI language with a fallback (ru → kk → en → any).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from .linked_data import ONTO, PREFIXES, compact, iri_ref, local_href, select
from .settings import Settings

KZO = ONTO + "#"
FALLBACK = ("ru", "kk", "en", "")
MAPPINGS = "skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch"


@dataclass(frozen=True)
class Ctx:
    engine: Any
    settings: Settings
    lang: str = "ru"

    def rows(self, query: str) -> list[dict[str, str]]:
        """Bindings as plain strings (language tags under ``<var>@lang``)."""
        out = []
        for b in select(self.engine, self.settings, query):
            row = {k: v["value"] for k, v in b.items()}
            row.update({f"{k}@lang": v["xml:lang"] for k, v in b.items() if "xml:lang" in v})
            out.append(row)
        return out


def pick(by_lang: dict[str, list[str]] | None, lang: str) -> str:
    """The first value in `lang`, else in the fallback order, else any."""
    if not by_lang:
        return ""
    for code in (lang, *FALLBACK):
        if by_lang.get(code):
            return by_lang[code][0]
    return next(iter(by_lang.values()))[0]


def labels(ctx: Ctx, iris: Iterable[str]) -> dict[str, str]:
    """The best label of each IRI (skos:prefLabel, else rdfs:label, else the compact IRI)."""
    wanted = sorted({i for i in iris if i})
    found: dict[str, dict[str, dict[str, list[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for start in range(0, len(wanted), 400):
        values = " ".join(iri_ref(i) for i in wanted[start:start + 400])
        for r in ctx.rows(f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} "
                          "VALUES ?p { skos:prefLabel rdfs:label schema:title } ?s ?p ?l }"):
            found[r["s"]][r["p"]][r.get("l@lang", "")].append(r["l"])
    out = {}
    for iri in wanted:
        props = found.get(iri, {})
        best = next((props[p] for p in ("http://www.w3.org/2004/02/skos/core#prefLabel",
                                        "http://www.w3.org/2000/01/rdf-schema#label",
                                        "https://schema.org/title") if p in props), None)
        out[iri] = pick(best, ctx.lang) if best else compact(iri)
    return out


def link(iri: str, names: dict[str, str]) -> dict[str, str]:
    return {"iri": iri, "href": local_href(iri), "label": names.get(iri) or compact(iri)}


def properties(ctx: Ctx, iri: str) -> dict[str, list[dict[str, str]]]:
    """Outgoing values of `iri` keyed by predicate IRI (each: value, lang, type)."""
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in ctx.rows(f"SELECT ?p ?o (isIRI(?o) AS ?isiri) WHERE {{ {iri_ref(iri)} ?p ?o }}"):
        out[r["p"]].append({"value": r["o"], "lang": r.get("o@lang", ""), "iri": r["isiri"] == "true"})
    return out


def first(props: dict[str, list[dict[str, str]]], curie: str, lang: str | None = None) -> str:
    values = props.get(expand(curie), [])
    if lang is not None:
        return pick(by_language(values), lang)
    return values[0]["value"] if values else ""


def by_language(values: list[dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for v in values:
        out[v["lang"]].append(v["value"])
    return out


def expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix] + local


def entity(ctx: Ctx, iri: str) -> dict[str, Any]:
    """A generic entity: its types, properties (labelled), inbound links and notes."""
    props = properties(ctx, iri)
    inbound = ctx.rows(f"SELECT ?s ?p WHERE {{ ?s ?p {iri_ref(iri)} }} ORDER BY ?p ?s LIMIT 300")
    iris = set(props) | {v["value"] for vs in props.values() for v in vs if v["iri"]}
    iris |= {r["s"] for r in inbound} | {r["p"] for r in inbound}
    names = labels(ctx, iris)
    rows = [{"predicate": link(p, names), "values": [
        {"link": link(v["value"], names)} if v["iri"] else {"text": v["value"], "lang": v["lang"]}
        for v in sorted(vs, key=lambda v: (v["lang"] != ctx.lang, v["value"]))]}
        for p, vs in sorted(props.items(), key=lambda kv: compact(kv[0]))]
    types = [link(v["value"], names) for v in props.get(expand("rdf:type"), [])]
    return {"iri": iri, "title": pick(by_language(props.get(expand("skos:prefLabel"))
                                                  or props.get(expand("rdfs:label"))
                                                  or props.get(expand("schema:title"), [])), ctx.lang)
            or compact(iri), "types": types, "rows": rows, "notes": notes(ctx, iri),
            "inbound": [{"subject": link(r["s"], names), "predicate": link(r["p"], names)} for r in inbound],
            "type_iris": {t["iri"] for t in types}}


def notes(ctx: Ctx, iri: str) -> list[dict[str, Any]]:
    """Data-quality notes about `iri` or any node under it (``iri/…``)."""
    rows = ctx.rows(f"""SELECT ?n ?about ?comment ?kind ?file ?line ?quoted WHERE {{
      ?n a kzo:DataQualityNote ; kzo:about ?about .
      FILTER(?about = {iri_ref(iri)} || STRSTARTS(STR(?about), "{iri}/"))
      OPTIONAL {{ ?n rdfs:comment ?comment }} OPTIONAL {{ ?n kzo:noteKind ?kind }}
      OPTIONAL {{ ?n kzo:sourceFile ?file }} OPTIONAL {{ ?n kzo:sourceLine ?line }}
      OPTIONAL {{ ?n kzo:quotedText ?quoted }} }} ORDER BY ?line ?n""")
    grouped: dict[str, dict[str, Any]] = {}
    for r in rows:
        note = grouped.setdefault(r["n"], {"iri": r["n"], "href": local_href(r["n"]), "about": r["about"],
                                           "about_href": local_href(r["about"]), "kind": r.get("kind", ""),
                                           "file": r.get("file", ""), "line": r.get("line", ""),
                                           "quoted": r.get("quoted", ""), "comments": defaultdict(list)})
        if "comment" in r and r["comment"] not in note["comments"][r.get("comment@lang", "")]:
            note["comments"][r.get("comment@lang", "")].append(r["comment"])
    kinds = labels(ctx, {n["kind"] for n in grouped.values()})
    for note in grouped.values():
        note["comment"] = pick(note.pop("comments"), ctx.lang)
        note["kind_label"] = kinds.get(note["kind"], "")
    return list(grouped.values())


def positions(ctx: Ctx) -> list[dict[str, Any]]:
    """Every position: label, notation, organisation type, source file (for lists and filters)."""
    rows = ctx.rows("""SELECT ?p ?notation ?org ?file ?line WHERE { ?p a kzo:Position .
      OPTIONAL { ?p skos:notation ?notation } OPTIONAL { ?p kzo:organisationType ?org }
      OPTIONAL { ?p kzo:sourceFile ?file } OPTIONAL { ?p kzo:sourceLine ?line } }""")
    names = labels(ctx, {r["p"] for r in rows} | {r.get("org", "") for r in rows})
    out = {}
    for r in rows:
        out.setdefault(r["p"], {**link(r["p"], names), "notation": r.get("notation", ""),
                                "org": r.get("org", ""), "org_label": names.get(r.get("org", ""), ""),
                                "file": r.get("file", ""), "line": int(r.get("line") or 0)})
    return sorted(out.values(), key=lambda p: (p["file"] != "tqc-2020-ru.txt", p["file"], p["line"], p["iri"]))


SEARCH_TYPES = "kzo:Position kzo:ProfessionCard kzo:Vacancy"


def normalise(text: str) -> str:
    return text.casefold().replace("ё", "е")


def search(ctx: Ctx, q: str, limit: int = 100) -> list[dict[str, Any]]:
    """Positions, profession cards and vacancies whose labels (any language) contain every word
    of `q`, case-insensitively."""
    words = [normalise(w) for w in q.split() if w.strip()]
    if not words:
        return []
    rows = ctx.rows(f"""SELECT ?s ?type ?label ?file ?target WHERE {{ VALUES ?type {{ {SEARCH_TYPES} }}
      ?s a ?type ; skos:prefLabel|skos:altLabel|schema:title ?label .
      OPTIONAL {{ ?s kzo:sourceFile ?file }} OPTIONAL {{ ?s kzo:forPosition ?target }} }}""")
    hits: dict[str, dict[str, Any]] = {}
    for r in rows:
        text = normalise(r["label"])
        if all(w in text for w in words):
            hit = hits.setdefault(r["s"], {"iri": r["s"], "href": local_href(r["s"]), "type": r["type"],
                                           "file": r.get("file", ""), "matched": [], "target": r.get("target")})
            if r["label"] not in hit["matched"]:
                hit["matched"].append(r["label"])
    names = labels(ctx, set(hits) | {h["type"] for h in hits.values()} | {h["target"] for h in hits.values()})
    for hit in hits.values():
        hit["label"], hit["type_label"] = names[hit["iri"]], names[hit["type"]]
        hit["target"] = link(hit["target"], names) if hit["target"] else None
    order = {KZO + "Position": 0, KZO + "ProfessionCard": 1, KZO + "Vacancy": 2}
    return sorted(hits.values(), key=lambda h: (order.get(h["type"], 3), h["file"], h["label"]))[:limit]


def ontology(ctx: Ctx) -> dict[str, Any]:
    """The ontology's header and its terms grouped by kind, with ru/kk/en labels and definitions."""
    rows = ctx.rows(f"""SELECT DISTINCT ?s ?p ?o WHERE {{ ?s a ?type .
      FILTER(STRSTARTS(STR(?s), "{ONTO}#") || ?s = <{ONTO}>) ?s ?p ?o .
      VALUES ?p {{ rdf:type skos:prefLabel rdfs:label skos:definition rdfs:domain rdfs:range
                  rdfs:subClassOf rdfs:subPropertyOf owl:inverseOf dct:title dct:description
                  owl:versionInfo }} }}""")
    terms: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        terms[r["s"]][compact(r["p"])].append((r.get("o@lang", ""), r["o"]))
    header = terms.pop(ONTO, {})
    names = labels(ctx, {o for t in terms.values() for k in ("rdfs:domain", "rdfs:range", "rdfs:subClassOf",
                                                             "rdfs:subPropertyOf", "owl:inverseOf", "rdf:type")
                         for _, o in t.get(k, [])})
    kinds = {"owl:Class": "classes", "owl:ObjectProperty": "object_properties",
             "owl:DatatypeProperty": "datatype_properties", "owl:AnnotationProperty": "annotation_properties"}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for iri, t in sorted(terms.items()):
        types = [compact(o) for _, o in t.get("rdf:type", [])]
        kind = next((kinds[x] for x in types if x in kinds), "other_terms")
        lab = {lang: v for lang, v in t.get("skos:prefLabel", []) or t.get("rdfs:label", [])}
        groups[kind].append({"iri": iri, "name": iri.split("#", 1)[1], "labels": lab,
                             "definitions": {lang: v for lang, v in t.get("skos:definition", [])},
                             "relations": [(k, link(o, names)) for k in ("rdfs:subClassOf", "rdfs:subPropertyOf",
                                                                         "rdfs:domain", "rdfs:range", "owl:inverseOf")
                                           for _, o in t.get(k, [])]})
    order = ["classes", "object_properties", "datatype_properties", "annotation_properties", "other_terms"]
    return {"title": {lang: v for lang, v in header.get("dct:title", [])},
            "description": {lang: v for lang, v in header.get("dct:description", [])},
            "version": next((v for _, v in header.get("owl:versionInfo", [])), ""),
            "groups": [(k, groups[k]) for k in order if groups.get(k)],
            "count": sum(len(v) for v in groups.values())}


def network(ctx: Ctx, org_type: str | None = None, source_file: str | None = None) -> dict[str, Any]:
    """The position–act network (optionally one organisation type or one source file) for drawing."""
    rows = ctx.rows("""SELECT ?p ?act ?org ?file ?status WHERE { ?p a kzo:Position ; kzo:requiresKnowledgeOf ?act .
      OPTIONAL { ?p kzo:organisationType ?org } OPTIONAL { ?p kzo:sourceFile ?file }
      OPTIONAL { ?act kzo:actStatus ?status } }""")
    orgs = sorted({r.get("org", "") for r in rows} - {""})
    files = sorted({r.get("file", "") for r in rows} - {""})
    rows = [r for r in rows if (not org_type or r.get("org") == org_type)
            and (not source_file or r.get("file") == source_file)]
    names = labels(ctx, {r["p"] for r in rows} | {r["act"] for r in rows} | set(orgs)
                   | {r.get("status", "") for r in rows})
    nodes: dict[str, dict[str, Any]] = {}
    links = set()
    for r in rows:
        nodes.setdefault(r["p"], {"id": r["p"], "href": local_href(r["p"]), "label": names[r["p"]],
                                  "kind": "position", "group": r.get("org", "").rsplit("/", 1)[-1]})
        status = r.get("status", "").rsplit("/", 1)[-1]
        nodes.setdefault(r["act"], {"id": r["act"], "href": local_href(r["act"]), "label": names[r["act"]],
                                    "kind": "act", "group": status})
        links.add((r["p"], r["act"]))
    return {"nodes": sorted(nodes.values(), key=lambda n: (n["kind"], n["id"])),
            "links": [{"source": s, "target": t} for s, t in sorted(links)],
            "org_types": [{"iri": o, "label": names.get(o, o)} for o in orgs], "source_files": files,
            "filter": {"org_type": org_type or "", "source_file": source_file or ""}}
