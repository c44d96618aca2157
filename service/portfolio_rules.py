"""Requirement data -> portfolio rules (docs/validation.md, "Rules").

`compile_rules(graph)` reads the requirement data of every kzo:Position (docs/model.md) and returns, per
target category, `Rule`s whose two conditions are expression trees of `service.portfolio_shapes`:
`ps` ("possibly satisfied", false exactly when the rule FAILS) and `ds` ("definitely satisfied", true
exactly when it PASSES). `service.portfolio_shapes` evaluates them (`holds`) and writes them as SHACL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from loaders.namespaces import KZCODE, KZO, SCHEMA
from service.portfolio_shapes import FALSE, LANGS, TRUE, Not, Prop, Qual, and_, label, or_, word

ADDITIONAL_LEVELS = ("academic-degree", "course-certificate")
LEVEL_FAMILY = {"higher": ("higher", "postgraduate")}
FIELD_BY_KIND = {"pedagogical": KZO.pedagogicalYears, "specialty": KZO.specialtyYears,
                 "in-position": KZO.positionYears, "managerial": KZO.managerialYears,
                 "enterprise": KZO.enterpriseYears, "any": KZO.experienceYears}
GENERIC_PROFILE = re.compile(r"соответствующ", re.IGNORECASE)
TEACHING = "teaching-activity"

# -- compiled requirement data ---------------------------------------------------------------
@dataclass(frozen=True)
class Cite:
    file: str
    line: int | None
    point: int | None
    node: str


@dataclass(frozen=True)
class Atom:
    """One kzo:ExperienceRequirement with its nested ("в том числе") requirements."""

    iri: str
    kind: str
    min: Decimal | None
    max: Decimal | None
    settlement: URIRef | None
    admin: URIRef | None
    condition: str | None
    needs_review: bool
    recent: Decimal | None
    level: str | None
    group: int | None
    category: str | None
    text: str
    cite: Cite
    setting: str | None = None     # kzo:experienceSetting ("в дошкольных организациях"): shown, not checked
    children: tuple = ()
    ds: object = TRUE
    ps: object = TRUE


@dataclass(frozen=True)
class Rule:
    """One requirement of (position, category): FAIL iff not ps; PASS iff ds; else NEEDS REVIEW."""

    id: str
    kind: str                      # template key in shapes/messages.yaml
    ps: object
    ds: object
    cite: Cite
    required: dict                 # lang -> text for {required}
    quote: str = ""
    atoms: tuple = ()              # experience: the atoms and how they combine (group kind per atom)
    info: bool = False             # an information line only (no shapes, never changes the verdict)
    level: str | None = None       # additional: the kzcode:education level of the path


@dataclass
class PositionRules:
    position: str
    key: str
    title: str
    division: str
    categories: tuple[str, ...]               # slugs offered (in chain order)
    rules: dict[str | None, tuple[Rule, ...]] = field(default_factory=dict)
    offered: Rule | None = None



def slug(term) -> str | None:
    return str(term).rsplit("/", 1)[1] if term is not None else None


def _dec(v) -> Decimal | None:
    return Decimal(str(v)) if v is not None else None


def _cite(g: Graph, node, point=None) -> Cite:
    line, file = g.value(node, KZO.sourceLine), g.value(node, KZO.sourceFile)
    p = g.value(node, KZO.pointNumber)
    return Cite(str(file or ""), int(line) if line is not None else None,
                int(p) if p is not None else point, str(node))


def category_chain(g: Graph) -> tuple[str, ...]:
    """The kzcode:category slugs in kzo:nextCategory order (from the graph)."""
    nxt = {slug(s): slug(o) for s, o in g.subject_objects(KZO.nextCategory) if str(s).startswith(f"{KZCODE}category/")}
    start = [c for c in nxt if c not in nxt.values()]
    chain: list[str] = []
    c = start[0] if len(start) == 1 else None
    while c is not None and c not in chain:
        chain.append(c)
        c = nxt.get(c)
    return tuple(chain) or ("pedagog", "moderator", "expert", "researcher", "master")


def _atom(g: Graph, e, point) -> Atom:
    kind = slug(g.value(e, KZO.experienceKind)) or "any"
    children = tuple(sorted((_atom(g, c, point) for c in g.objects(e, KZO.includesRequirement)), key=_order))
    cond = g.value(e, KZO.condition)
    a = Atom(str(e), kind, _dec(g.value(e, KZO.minYears)), _dec(g.value(e, KZO.maxYears)),
             g.value(e, KZO.settlementType), g.value(e, KZO.administrativeLevel),
             slug(cond) if isinstance(cond, URIRef) else (str(cond) if cond is not None else None),
             bool(g.value(e, KZO.needsReview)), _dec(g.value(e, KZO.recentYears)),
             slug(g.value(e, KZO.educationLevel)),
             int(g.value(e, KZO.alternativeGroup)) if g.value(e, KZO.alternativeGroup) is not None else None,
             slug(g.value(e, KZO.category)), str(g.value(e, RDF.value) or ""), _cite(g, e, point),
             str(g.value(e, KZO.experienceSetting) or "") or None, children)
    return _with_exprs(a)


def _order(a: Atom):
    return (a.cite.line or 0, int(a.iri.rsplit("/", 1)[1]) if a.iri.rsplit("/", 1)[1].isdigit() else 0, a.iri)


def _with_exprs(a: Atom) -> Atom:
    def_not, poss_not = [], []
    for pred, value in ((KZO.settlementType, a.settlement), (KZO.administrativeLevel, a.admin)):
        if value is not None:
            def_not.append(Prop(pred, min_count=1, not_in=(value,)))
            poss_not.append(Not(Prop(pred, has_value=value)))
    if a.condition == TEACHING:  # applies only when the person also teaches (unknown: may not apply)
        def_not.append(Prop(KZO.teachingActivity, has_value=False))
        poss_not.append(Not(Prop(KZO.teachingActivity, has_value=True)))
    elif a.condition is not None:  # a condition a portfolio cannot show: it may not apply, never a fail
        poss_not.append(TRUE)
    fld = FIELD_BY_KIND.get(a.kind, KZO.experienceYears)
    if a.min is None:
        own_ds, own_ps = FALSE, TRUE
    else:
        own_ds = FALSE if a.recent else Prop(fld, min_count=1, min_incl=a.max if a.max is not None else a.min)
        own_ps = Prop(fld, min_incl=a.min)
    st_ds = and_(own_ds, *(c.ds for c in a.children))
    st_ps = TRUE if a.needs_review else and_(own_ps, *(c.ps for c in a.children))
    return Atom(**{**a.__dict__, "ds": or_(*def_not, st_ds), "ps": or_(*poss_not, st_ps)})


def _clauses(atoms: list[Atom]) -> list[tuple[str, tuple[Atom, ...]]]:
    """Combine applicable atoms: "или" groups -> any; same kind and conditions twice -> review."""
    groups: dict = {}
    for a in atoms:
        key = ("any", a.group) if a.group is not None else \
              ("review", a.kind, a.settlement, a.admin, a.condition)
        groups.setdefault(key, []).append(a)
    out = []
    for key, members in groups.items():
        kind = key[0] if len(members) > 1 else "one"
        out.append((kind, tuple(members)))
    return out


def _clause_exprs(clauses) -> tuple:
    ds, ps = [], []
    for kind, members in clauses:
        if kind == "any":
            ds.append(or_(*(m.ds for m in members)))
            ps.append(or_(*(m.ps for m in members)))
        else:  # one / review: PASS if all pass, FAIL if all fail
            ds.append(and_(*(m.ds for m in members)))
            ps.append(or_(*(m.ps for m in members)))
    return and_(*ds), and_(*ps)


def _edu_levels(levels) -> Prop:
    return Prop(KZO.educationLevel, min_count=1, in_=tuple(KZCODE[f"education/{lv}"] for lv in levels))


def compile_rules(g: Graph) -> dict[str, PositionRules]:
    """PositionRules for every kzo:Position of the graph, keyed by position IRI."""
    chain = category_chain(g)
    out = {}
    for p in sorted(g.subjects(RDF.type, KZO.Position), key=str):
        out[str(p)] = _position_rules(g, p, chain)
    return out


def _position_rules(g: Graph, p, chain) -> PositionRules:
    q = g.value(p, KZO.hasQualificationRequirement)
    qpoint = int(g.value(q, KZO.pointNumber)) if q is not None and g.value(q, KZO.pointNumber) is not None else None
    creqs = sorted(g.objects(p, KZO.hasCategoryRequirement), key=str)
    offered = tuple(c for c in chain if any(slug(g.value(r, KZO.category)) == c for r in creqs))
    division = g.value(p, KZO.division)
    pr = PositionRules(str(p), str(p).split("/position/", 1)[1], str(g.value(p, SKOS.prefLabel) or ""),
                       str(g.value(division, SKOS.prefLabel) or "") if division is not None else "", offered)
    pos_cite = _cite(g, p, _cite(g, creqs[0]).point if creqs else qpoint)
    in_offered = Prop(KZO.targetCategory, min_count=1, in_=tuple(KZCODE[f"category/{c}"] for c in offered)) \
        if offered else Prop(KZO.targetCategory, max_count=0)
    pr.offered = Rule("category-offered", "category-offered", in_offered, in_offered, pos_cite,
                      {lang: ", ".join(label("category", c, lang) for c in offered) or word("no-categories", lang)
                       for lang in LANGS})
    paths = sorted(g.objects(q, KZO.hasEducationPath), key=str) if q is not None else []
    atoms = sorted((_atom(g, e, qpoint) for e in g.objects(q, KZO.hasExperienceRequirement)), key=_order) \
        if q is not None else []
    for c in (offered or (None,)):
        rules = [_education(g, q, paths, c, qpoint)]
        rules += _additional(g, paths, c, qpoint)
        rules += _experience(g, q, paths, atoms, c, qpoint)
        if c is not None:
            rules.append(_prerequisite(g, p, creqs, c, chain))
            rules += _category_notes(g, creqs, c)
        rules += _teaching_addon(g, q, qpoint)
        pr.rules[c] = tuple(r for r in rules if r is not None)
    return pr


def _flag(g: Graph, node, pred) -> bool:
    v = g.value(node, pred)
    return v is not None and bool(v.toPython())


def _in_scope(g: Graph, path, c) -> bool:
    """kzo:category on an education path restricts it to those target categories."""
    cats = {slug(x) for x in g.objects(path, KZO.category)}
    return not cats or c in cats


def _restricted(g: Graph, path) -> bool:
    """kzo:grantsCategoryRights false: the path does not lead to a category above pedagog."""
    grants = g.value(path, KZO.grantsCategoryRights)
    return grants is not None and not grants.toPython()


def _primary(g: Graph, path, c) -> bool:
    """An accepted alternative education path for target category c."""
    level = slug(g.value(path, KZO.educationLevel))
    if level in ADDITIONAL_LEVELS or _flag(g, path, KZO.desirable) or _flag(g, path, KZO.additional):
        return False
    return _in_scope(g, path, c) and not (_restricted(g, path) and c not in (None, "pedagog"))


def _education(g, q, paths, c, qpoint) -> Rule:
    merged: dict = {}
    for path in paths:
        if _primary(g, path, c):
            ped = g.value(path, KZO.pedagogicalEducation)
            key = (ped.toPython() if ped is not None else None, str(g.value(path, KZO.educationProfile) or ""))
            merged.setdefault(key, []).append(slug(g.value(path, KZO.educationLevel)))
    ds_paths, ps_paths, required = [], [], {lang: [] for lang in LANGS}
    for (ped, profile), levels in sorted(merged.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        levels = tuple(dict.fromkeys(levels))
        ped_ds = Prop(KZO.pedagogicalEducation, has_value=True) if ped is True else TRUE
        ped_ps = Not(Prop(KZO.pedagogicalEducation, has_value=False)) if ped is True else TRUE
        if not profile:
            prof_ds = TRUE
        elif GENERIC_PROFILE.search(profile):  # "по соответствующему профилю": relevance is the commission's
            prof_ds = TRUE
        else:
            prof_ds = Prop(KZO.educationProfile, min_count=1, pattern=r"\s+".join(map(re.escape, profile.split())))
        ds_paths.append(and_(_edu_levels(levels), ped_ds, prof_ds))
        ps_paths.append(and_(_edu_levels(levels), ped_ps))
        for lang in LANGS:
            text = "/".join(label("education", lv, lang) for lv in levels)
            if ped is True:
                text += f" ({word('pedagogical', lang)})"
            if profile:
                text += f" {word('profile', lang)} «{profile}»" if not GENERIC_PROFILE.search(profile) \
                    else f" ({word('relevant-profile', lang)})"
            required[lang].append(text)
    cite = _cite(g, q, qpoint) if q is not None else Cite("", None, None, "")
    if not merged:
        return Rule("education", "education", TRUE, FALSE, cite, {lang: word("not-stated", lang) for lang in LANGS})
    return Rule("education", "education", Qual(KZO.hasEducation, or_(*ps_paths), min=1),
                Qual(KZO.hasEducation, or_(*ds_paths), min=1), cite,
                {lang: f" {word('or', lang)} ".join(v) for lang, v in required.items()},
                str(g.value(q, RDF.value) or "")[:400])


def _held(g: Graph, path, level: str | None):
    """(ds, ps, text key) of "the portfolio shows what this additional path asks for"."""
    if level in ADDITIONAL_LEVELS:
        has = Prop(KZO.certificate if level == "course-certificate" else KZO.academicDegree, min_count=1)
        return has, has, "course-certificate" if level == "course-certificate" else "degree"
    # another level (pedagogical retraining): an education entry of that level; when the path asks for a
    # pedagogical one, an entry marked non-pedagogical leaves it to the commission
    entry = _edu_levels((level,))
    ped_ds = Not(Prop(KZO.pedagogicalEducation, has_value=False)) \
        if _flag(g, path, KZO.pedagogicalEducation) else TRUE
    return Qual(KZO.hasEducation, and_(entry, ped_ds), min=1), Qual(KZO.hasEducation, entry, min=1), None


def _additional(g, paths, c, qpoint) -> list[Rule]:
    """Academic-degree / course-certificate paths and paths marked kzo:additional (on top of the others)."""
    rules = []
    for k, path in enumerate(paths, start=1):
        level = slug(g.value(path, KZO.educationLevel))
        explicit = _flag(g, path, KZO.additional)
        if not (level in ADDITIONAL_LEVELS or explicit) or not _in_scope(g, path, c):
            continue
        restricted = _restricted(g, path)
        if restricted and c not in (None, "pedagog"):
            continue
        desirable = _flag(g, path, KZO.desirable)
        ds, ps, what = _held(g, path, level)
        # binding: the data say it is asked on top of every path -> missing fails; otherwise it may
        # belong to one alternative only (or its scope is not stated) -> missing needs review
        binding = explicit and not restricted
        note = "" if binding or desirable else "alternative-only" if restricted else "scope-unclear"
        required = {lang: (word(what, lang) if what else label("education", level, lang))
                    + (f" ({word(note, lang)})" if note else "") for lang in LANGS}
        rules.append(Rule(f"additional-{k}", "desirable" if desirable else "degree",
                          TRUE if desirable or not binding else ps, ds, _cite(g, path, qpoint), required,
                          str(g.value(path, RDF.value) or ""), info=desirable, level=level))
    return rules


def _experience(g, q, paths, atoms, c, qpoint) -> list[Rule]:
    applicable = [a for a in atoms if a.category in (None, c)]
    if not applicable:
        return []
    accepted = tuple(dict.fromkeys(slug(g.value(p, KZO.educationLevel)) for p in paths if _primary(g, p, c)))
    families: dict = {}
    for lv in accepted or (None,):
        chosen = tuple(a for a in applicable if a.level is None or (lv is not None and lv in LEVEL_FAMILY.get(a.level, (a.level,))))
        families.setdefault(chosen, []).append(lv)
    ds_parts, ps_parts = [], []
    no_accepted = Qual(KZO.hasEducation, _edu_levels(accepted), max=0) if accepted else FALSE
    for chosen, levels in families.items():
        ds, ps = _clause_exprs(_clauses(list(chosen)))
        held = Qual(KZO.hasEducation, _edu_levels(levels), min=1) if accepted else TRUE
        ds_parts.append(and_(held, ds))
        ps_parts.append(and_(held, ps))
    ds, ps = or_(no_accepted, *ds_parts), or_(no_accepted, *ps_parts)
    if ds == TRUE and ps == TRUE:
        return []
    first = min(applicable, key=_order)
    required = {lang: "; ".join(describe_atom(a, lang) for a in applicable) for lang in LANGS}
    return [Rule("experience", "experience", ps, ds, Cite(first.cite.file, first.cite.line, qpoint, str(q)),
                 required, str(g.value(q, RDF.value) or "")[:400], atoms=tuple(applicable))]


def describe_atom(a: Atom, lang: str) -> str:
    """"стаж по специальности не менее 4 лет (городская; ...)" for one experience requirement."""
    if a.min is None:
        years = word("not-stated", lang)
    else:
        n = f"{a.min.normalize():f}" + (f"-{a.max.normalize():f}" if a.max is not None else "")
        years = f"{word('at-least', lang)} {n} {word('years', lang)}"
    conds = []
    if a.settlement is not None:
        conds.append(f"{word('for-settlement', lang)}: {label('settlement', slug(a.settlement), lang)}")
    if a.admin is not None:
        conds.append(label("admin-level", slug(a.admin), lang))
    if a.level is not None:
        conds.append(f"{word('for-level', lang)}: {label('education', a.level, lang)}")
    if a.condition == TEACHING:
        conds.append(word("when-teaching", lang))
    elif a.condition is not None:
        conds.append(f"{a.condition} ({word('unchecked-condition', lang)})")
    if a.setting:
        conds.append(word("setting", lang).format(setting=a.setting))
    if a.recent is not None:
        conds.append(word("recent", lang).format(n=f"{a.recent.normalize():f}"))
    if a.needs_review:
        conds.append(word("ambiguous", lang))
    text = f"{label('kind', a.kind, lang)} {years}" + (f" ({'; '.join(conds)})" if conds else "")
    if a.children:
        text += f", {word('and', lang)} " + ", ".join(describe_atom(c, lang) for c in a.children)
    return text


def _prerequisite(g, p, creqs, c, chain) -> Rule:
    prev = chain[chain.index(c) - 1] if c in chain and chain.index(c) > 0 else None
    expr = Prop(KZO.currentCategory, min_count=1, in_=(KZCODE[f"category/{prev}"],)) if prev \
        else Prop(KZO.currentCategory, max_count=0)
    node = next((r for r in creqs if slug(g.value(r, KZO.category)) == c), p)
    return Rule("prerequisite", "prerequisite", expr, expr, _cite(g, node),
                {lang: label("category", prev, lang) if prev else word("none", lang) for lang in LANGS})


def _category_notes(g, creqs, c) -> list[Rule]:
    rules = []
    for r in creqs:
        if slug(g.value(r, KZO.category)) != c:
            continue
        for k, note in enumerate(sorted(g.subjects(KZO.about, r), key=str), start=1):
            kind = slug(g.value(note, KZO.noteKind)) or "note"
            comment = next((str(x) for x in g.objects(note, RDFS.comment) if getattr(x, "language", None) == "en"), "")
            never = Prop(KZO.targetCategory, not_in=(KZCODE[f"category/{c}"],))
            rules.append(Rule(f"category-note-{slug(note)}", "category-note", TRUE, never, _cite(g, note, _cite(g, r).point),
                              {lang: f"{kind}: {comment}" for lang in LANGS}, str(g.value(note, KZO.quotedText) or "")))
    return rules


def _teaching_addon(g, q, qpoint) -> list[Rule]:
    if q is None:
        return []
    mentioned = tuple(sorted((m for m in g.objects(q, KZO.mentionsCategory)
                              if "/category/" in str(m) or "/legacy-category/" in str(m)), key=str))
    managers = sorted((m for m in g.objects(q, KZO.mentionsCategory) if "/manager-category/" in str(m)), key=str)
    rules = []
    if mentioned:
        has = Prop(KZO.currentCategory, min_count=1, in_=mentioned)
        rules.append(Rule("teaching-addon", "teaching-addon",
                          or_(Not(Prop(KZO.teachingActivity, has_value=True)), has),
                          or_(Prop(KZO.teachingActivity, has_value=False), has), _cite(g, q, qpoint),
                          {lang: f" {word('or', lang)} ".join(label("category", slug(m), lang) for m in mentioned)
                           for lang in LANGS}))
    if managers:
        rules.append(Rule("manager-scheme", "desirable", TRUE, TRUE, _cite(g, q, qpoint),
                          {lang: f" {word('or', lang)} ".join(label("category", slug(m), lang) for m in managers)
                           for lang in LANGS}, info=True))
    return rules


def vacancy_rules(g: Graph, vacancy) -> tuple[Rule, ...]:
    """One rule per document a kzo:Vacancy requires (in its order)."""
    docs = sorted(g.objects(vacancy, KZO.requiresDocument),
                  key=lambda d: (int(g.value(d, SCHEMA.position) or 0), str(d)))
    return tuple(Rule(f"document-{k}", "document", Prop(KZO.holdsDocument, has_value=d),
                      Prop(KZO.holdsDocument, has_value=d), _cite(g, d),
                      {lang: str(g.value(d, RDFS.label) or d) for lang in LANGS})
                 for k, d in enumerate(docs, start=1))

