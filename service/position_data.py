"""Data of the position and act pages, and of the category ladder (see `service.page_data`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from .linked_data import BASE, iri_ref, local_href
from .page_data import MAPPINGS, Ctx, by_language, expand, first, labels, link, notes, pick, properties

CATEGORY_SCHEME = BASE + "/code/category"


def _ordered(ctx: Ctx, iri: str, prop: str) -> list[dict[str, Any]]:
    """Items of `iri` under `prop` (rdf:value text, order, source line), in the source's order."""
    rows = ctx.rows(f"""SELECT ?x ?text ?order ?line WHERE {{ {iri_ref(iri)} {prop} ?x .
      OPTIONAL {{ ?x rdf:value ?text }} OPTIONAL {{ ?x schema:position ?order }}
      OPTIONAL {{ ?x kzo:sourceLine ?line }} }}""")
    items: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = items.setdefault(r["x"], {"iri": r["x"], "href": local_href(r["x"]), "texts": defaultdict(list),
                                         "order": int(r.get("order") or 0), "line": r.get("line", "")})
        if "text" in r:
            item["texts"][r.get("text@lang", "")].append(r["text"])
    for item in items.values():
        item["text"] = pick(item.pop("texts"), ctx.lang)
    return sorted(items.values(), key=lambda i: (i["order"], int(i["line"] or 0), i["iri"]))


def years(row: dict[str, str]) -> str:
    """'3', '3–4' or '' from minYears/maxYears."""
    def fmt(v: str) -> str:
        try:
            return format(Decimal(v).normalize(), "f")
        except InvalidOperation:
            return v
    low, high = row.get("min"), row.get("max")
    if low and high and high != low:
        return f"{fmt(low)}–{fmt(high)}"
    return fmt(low) if low else ""


def experience(ctx: Ctx, iri: str) -> list[dict[str, Any]]:
    """Every experience requirement of the position, with the category it is for (if any)."""
    rows = ctx.rows(f"""SELECT DISTINCT ?e ?cat ?min ?max ?settlement ?edu ?kind ?review ?text ?line WHERE {{
      {{ {iri_ref(iri)} kzo:hasQualificationRequirement/kzo:hasExperienceRequirement ?e }}
      UNION {{ {iri_ref(iri)} kzo:hasExperienceRequirement ?e }}
      UNION {{ {iri_ref(iri)} kzo:hasCategoryRequirement ?cr . ?cr kzo:hasExperienceRequirement ?e .
              OPTIONAL {{ ?cr kzo:category ?crcat }} }}
      OPTIONAL {{ ?e kzo:category ?ecat }} BIND(COALESCE(?ecat, ?crcat) AS ?cat)
      OPTIONAL {{ ?e kzo:minYears ?min }} OPTIONAL {{ ?e kzo:maxYears ?max }}
      OPTIONAL {{ ?e kzo:settlementType ?settlement }} OPTIONAL {{ ?e kzo:educationLevel ?edu }}
      OPTIONAL {{ ?e kzo:experienceKind ?kind }} OPTIONAL {{ ?e kzo:needsReview ?review }}
      OPTIONAL {{ ?e rdf:value ?text }} OPTIONAL {{ ?e kzo:sourceLine ?line }} }}""")
    names = labels(ctx, {r.get(k, "") for r in rows for k in ("cat", "settlement", "edu", "kind")})
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out.setdefault(r["e"], {"iri": r["e"], "href": local_href(r["e"]), "category": r.get("cat", ""),
                                "category_label": names.get(r.get("cat", ""), ""), "years": years(r),
                                "settlement": names.get(r.get("settlement", ""), ""),
                                "education": names.get(r.get("edu", ""), ""), "kind": names.get(r.get("kind", ""), ""),
                                "needs_review": r.get("review") == "true", "text": r.get("text", ""),
                                "line": r.get("line", "")})
    return sorted(out.values(), key=lambda e: (int(e["line"] or 0), e["iri"]))


def categories(ctx: Ctx, iri: str) -> list[dict[str, Any]]:
    """The position's category requirements with their competency statements."""
    rows = ctx.rows(f"""SELECT ?cr ?cat ?label ?level ?line ?rank WHERE {{ {iri_ref(iri)} kzo:hasCategoryRequirement ?cr .
      OPTIONAL {{ ?cr kzo:category ?cat OPTIONAL {{ ?cat kzo:rank ?rank }} }} OPTIONAL {{ ?cr rdfs:label ?label }}
      OPTIONAL {{ ?cr kzo:levelNumber ?level }} OPTIONAL {{ ?cr kzo:sourceLine ?line }} }}""")
    names = labels(ctx, {r.get("cat", "") for r in rows})
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out.setdefault(r["cr"], {"iri": r["cr"], "href": local_href(r["cr"]), "category": r.get("cat", ""),
                                 "category_label": names.get(r.get("cat", ""), ""), "printed": r.get("label", ""),
                                 "level": r.get("level", ""), "line": r.get("line", ""),
                                 "rank": int(r.get("rank") or 0)})
    for cr in out.values():
        cr["statements"] = _ordered(ctx, cr["iri"], "kzo:hasCompetencyStatement")
    return sorted(out.values(), key=lambda c: (int(c["line"] or 0), c["rank"], c["iri"]))


def acts_of(ctx: Ctx, iri: str) -> list[dict[str, Any]]:
    rows = ctx.rows(f"""SELECT ?act ?status ?adilet ?line ?evidence WHERE {{ {iri_ref(iri)} kzo:requiresKnowledgeOf ?act .
      OPTIONAL {{ ?act kzo:actStatus ?status }} OPTIONAL {{ ?act kzo:adiletId ?adilet }}
      OPTIONAL {{ ?c kzo:citedBy {iri_ref(iri)} ; kzo:citedAct ?act .
                 OPTIONAL {{ ?c kzo:sourceLine ?line }} OPTIONAL {{ ?c kzo:evidence ?evidence }} }} }}""")
    names = labels(ctx, {r["act"] for r in rows} | {r.get("status", "") for r in rows})
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        act = out.setdefault(r["act"], {**link(r["act"], names), "status": names.get(r.get("status", ""), ""),
                                        "status_slug": r.get("status", "").rsplit("/", 1)[-1],
                                        "adilet": r.get("adilet", ""), "line": r.get("line", ""), "evidence": []})
        if r.get("evidence") and r["evidence"] not in act["evidence"]:
            act["evidence"].append(r["evidence"])
    return sorted(out.values(), key=lambda a: a["label"])


def versions(ctx: Ctx, iri: str) -> list[dict[str, Any]]:
    """Other versions of the position (another regulation's text): via a kzo:PositionConcept
    (kzo:hasVersion / kzo:versionOf) or a SKOS mapping between two positions."""
    p = iri_ref(iri)
    rows = ctx.rows(f"""SELECT DISTINCT ?other ?rel WHERE {{
      {{ {p} ?rel ?other . VALUES ?rel {{ {MAPPINGS} }} }}
      UNION {{ ?other ?rel {p} . VALUES ?rel {{ {MAPPINGS} }} }}
      UNION {{ ?c kzo:hasVersion {p} , ?other . BIND(kzo:hasVersion AS ?rel) }}
      UNION {{ {p} kzo:versionOf ?c . ?other kzo:versionOf ?c . BIND(kzo:versionOf AS ?rel) }}
      ?other a kzo:Position . FILTER(?other != {p}) }}""")
    out = []
    for other in sorted({r["other"] for r in rows}):
        props = properties(ctx, other)
        out.append({"iri": other, "href": local_href(other), "title": first(props, "skos:prefLabel", ctx.lang),
                    "file": first(props, "kzo:sourceFile"), "line": first(props, "kzo:sourceLine"),
                    "notation": first(props, "skos:notation"),
                    "relations": sorted({r["rel"].rsplit("#", 1)[-1] for r in rows if r["other"] == other}),
                    "duties": _ordered(ctx, other, "kzo:hasDuty")})
    return out


def position(ctx: Ctx, iri: str) -> dict[str, Any]:
    """Everything the position page shows."""
    props = properties(ctx, iri)
    refs = {v["value"] for k in ("kzo:organisationType", "kzo:division", "kzo:definedIn", "kzo:acceptsEducation")
            for v in props.get(expand(k), [])}
    names = labels(ctx, refs)
    qual_iri = first(props, "kzo:hasQualificationRequirement")
    qual = properties(ctx, qual_iri) if qual_iri else {}
    p = iri_ref(iri)
    education = ctx.rows(f"""SELECT ?e ?level ?profile ?ped ?grants ?text ?line WHERE {{
      {p} kzo:hasQualificationRequirement/kzo:hasEducationPath ?e .
      OPTIONAL {{ ?e kzo:educationLevel ?level }} OPTIONAL {{ ?e kzo:educationProfile ?profile }}
      OPTIONAL {{ ?e kzo:pedagogicalEducation ?ped }} OPTIONAL {{ ?e kzo:grantsCategoryRights ?grants }}
      OPTIONAL {{ ?e rdf:value ?text }} OPTIONAL {{ ?e kzo:sourceLine ?line }} }} ORDER BY ?e""")
    names.update(labels(ctx, {r.get("level", "") for r in education}))
    for r in education:
        r["level_label"] = names.get(r.get("level", ""), "")
    related = ctx.rows(f"""SELECT DISTINCT ?s ?type WHERE {{
      {{ ?s kzo:forPosition {p} BIND("vacancy" AS ?type) }}
      UNION {{ ?s ?rel {p} . ?s a kzo:ProfessionCard . VALUES ?rel {{ {MAPPINGS} }} BIND("card" AS ?type) }} }}""")
    names.update(labels(ctx, {r["s"] for r in related}))
    return {
        "iri": iri, "title": first(props, "skos:prefLabel", ctx.lang),
        "pref_labels": by_language(props.get(expand("skos:prefLabel"), [])),
        "alt_labels": [v["value"] for v in props.get(expand("skos:altLabel"), [])],
        "notation": first(props, "skos:notation"),
        "org_types": [link(v["value"], names) for v in props.get(expand("kzo:organisationType"), [])],
        "division": link(first(props, "kzo:division"), names) if first(props, "kzo:division") else None,
        "defined_in": link(first(props, "kzo:definedIn"), names) if first(props, "kzo:definedIn") else None,
        "accepts": [link(v["value"], names) for v in props.get(expand("kzo:acceptsEducation"), [])],
        "file": first(props, "kzo:sourceFile"), "line": first(props, "kzo:sourceLine"),
        "end_line": first(props, "kzo:sourceEndLine"),
        "duties": _ordered(ctx, iri, "kzo:hasDuty"), "knowledge": _ordered(ctx, iri, "kzo:requiresKnowledgeArea"),
        "acts": acts_of(ctx, iri),
        "qualification": {"iri": qual_iri, "href": local_href(qual_iri), "text": first(qual, "rdf:value", ctx.lang),
                          "line": first(qual, "kzo:sourceLine"), "end_line": first(qual, "kzo:sourceEndLine"),
                          "no_experience": first(qual, "kzo:noExperienceRequired") == "true"} if qual_iri else None,
        "education": education, "experience": experience(ctx, iri), "categories": categories(ctx, iri),
        "notes": notes(ctx, iri), "versions": versions(ctx, iri),
        "vacancies": [link(r["s"], names) for r in related if r["type"] == "vacancy"],
        "cards": [link(r["s"], names) for r in related if r["type"] == "card"],
    }


def act(ctx: Ctx, iri: str) -> dict[str, Any]:
    """Everything the act page shows: the act's facts and the positions citing it."""
    props = properties(ctx, iri)
    p = iri_ref(iri)
    citing = ctx.rows(f"""SELECT ?pos ?file ?notation ?line ?org WHERE {{ ?pos kzo:requiresKnowledgeOf {p} .
      OPTIONAL {{ ?pos kzo:sourceFile ?file }} OPTIONAL {{ ?pos skos:notation ?notation }}
      OPTIONAL {{ ?pos kzo:organisationType ?org }}
      OPTIONAL {{ ?c kzo:citedBy ?pos ; kzo:citedAct {p} ; kzo:sourceLine ?line }} }}""")
    refs = {v["value"] for k in ("kzo:actStatus", "eli:type_document") for v in props.get(expand(k), [])}
    names = labels(ctx, {r["pos"] for r in citing} | {r.get("org", "") for r in citing} | refs)
    positions: dict[str, dict[str, Any]] = {}
    for r in citing:
        positions.setdefault(r["pos"], {**link(r["pos"], names), "file": r.get("file", ""),
                                        "notation": r.get("notation", ""), "line": r.get("line", ""),
                                        "org_label": names.get(r.get("org", ""), "")})
    adilet = first(props, "kzo:adiletId")
    status = first(props, "kzo:actStatus")
    return {
        "iri": iri, "title": first(props, "skos:prefLabel", ctx.lang),
        "pref_labels": by_language(props.get(expand("skos:prefLabel"), [])),
        "status": link(status, names) if status else None, "status_slug": status.rsplit("/", 1)[-1],
        "kind": link(first(props, "eli:type_document"), names) if first(props, "eli:type_document") else None,
        "date": first(props, "eli:date_document"), "number": first(props, "eli:id_local"),
        "adilet": adilet,
        "adilet_links": [v["value"] for v in props.get(expand("rdfs:seeAlso"), [])
                         if adilet and v["value"].startswith("https://adilet.zan.kz/")],
        "verification": first(props, "kzo:verificationNote", ctx.lang),
        "comment": first(props, "rdfs:comment", ctx.lang),
        "positions": sorted(positions.values(), key=lambda x: (x["file"] != "tqc-2020-ru.txt", x["file"],
                                                               int(x["line"] or 0), x["iri"])),
        "notes": notes(ctx, iri),
    }


def ladder(ctx: Ctx, iri: str | None) -> dict[str, Any]:
    """The category chain (pedagog → … → master) with the position's experience per category."""
    rows = ctx.rows(f"""SELECT ?c ?rank ?next WHERE {{ ?c skos:inScheme <{CATEGORY_SCHEME}> ; kzo:rank ?rank .
      OPTIONAL {{ ?c kzo:nextCategory ?next }} }} ORDER BY ?rank""")
    names = labels(ctx, {r["c"] for r in rows} | ({iri} if iri else set()))
    reqs = experience(ctx, iri) if iri else []
    steps = []
    for r in rows:
        mine = [e for e in reqs if e["category"] == r["c"]]
        steps.append({"iri": r["c"], "label": names[r["c"]], "rank": int(r["rank"]), "requirements": mine})
    general = [e for e in reqs if not e["category"]]
    return {"position": link(iri, names) if iri else None, "steps": steps, "general": general}
