"""An independent plain-Python reading of the portfolio rules (docs/validation.md, "Rules").

It reads the requirement data straight from the graph and evaluates a `Portfolio` with three-valued
logic (PASS / REVIEW / FAIL), without the expression trees or shapes of service/portfolio_shapes.py.
Tests compare its statuses with the generated SHACL shapes and the compiled checks.
"""
from __future__ import annotations

from decimal import Decimal

from rdflib import RDFS, Graph, URIRef

from loaders.namespaces import KZCODE, KZO
from service.portfolio_input import Portfolio

PASS, REVIEW, FAIL = 2, 1, 0
NAMES = {PASS: "pass", REVIEW: "needs-review", FAIL: "fail"}
CHAIN = ("pedagog", "moderator", "expert", "researcher", "master")
YEARS = {"pedagogical": "pedagogical", "specialty": "specialty", "in-position": "position",
         "managerial": "managerial", "enterprise": "enterprise", "any": "total"}


def tail(x) -> str | None:
    return None if x is None else str(x).rsplit("/", 1)[-1]


def k_and(*xs):
    return min(xs, default=PASS)


def k_or(*xs):
    return max(xs, default=FAIL)


def known(value, wanted) -> int:
    """Three-valued equality test of an optional portfolio value."""
    if value is None:
        return REVIEW
    return PASS if value == wanted else FAIL


def true(g: Graph, node, pred) -> bool:
    return any(v.toPython() is True for v in g.objects(node, pred))


class Reference:
    def __init__(self, g: Graph) -> None:
        self.g = g

    def scoped_out(self, path, c) -> bool:
        """The path is not for this target: kzo:category names others, or no category rights above pedagog."""
        g = self.g
        cats = {tail(x) for x in g.objects(path, KZO.category)}
        if cats and c not in cats:
            return True
        grants = g.value(path, KZO.grantsCategoryRights)
        return grants is not None and grants.toPython() is False and c not in (None, "pedagog")

    def path_ok(self, path, c) -> bool:
        g = self.g
        if tail(g.value(path, KZO.educationLevel)) in ("academic-degree", "course-certificate"):
            return False
        if true(g, path, KZO.desirable) or true(g, path, KZO.additional):
            return False
        return not self.scoped_out(path, c)

    def additional(self, p: Portfolio, path, c) -> int | None:
        """Status of an additional path (None: not a requirement of this target, or desirable only)."""
        g = self.g
        level = tail(g.value(path, KZO.educationLevel))
        explicit = true(g, path, KZO.additional)
        if level not in ("academic-degree", "course-certificate") and not explicit:
            return None
        if true(g, path, KZO.desirable) or self.scoped_out(path, c):
            return None
        if level == "academic-degree":
            held = PASS if p.academic_degree else FAIL
        elif level == "course-certificate":
            held = PASS if p.certificates else FAIL
        else:
            entries = [e for e in p.education if e.level == level]
            ped = true(g, path, KZO.pedagogicalEducation)
            held = FAIL if not entries else PASS if any(not ped or e.pedagogical is not False for e in entries) \
                else REVIEW
        restricted = any(v.toPython() is False for v in g.objects(path, KZO.grantsCategoryRights))
        if held == FAIL and not (explicit and not restricted):
            return REVIEW  # may belong to one alternative only, or its scope is not stated
        return held

    def statuses(self, p: Portfolio, position: str, c: str | None) -> dict[str, str]:
        g, pos = self.g, URIRef(position)
        out = {}
        creqs = list(g.objects(pos, KZO.hasCategoryRequirement))
        offered = {tail(g.value(r, KZO.category)) for r in creqs}
        out["category-offered"] = PASS if (c in offered if offered else c is None) else FAIL
        if out["category-offered"] == FAIL:
            return {k: NAMES[v] for k, v in out.items()}
        q = g.value(pos, KZO.hasQualificationRequirement)
        if q is None:
            out["education"] = REVIEW
            return {k: NAMES[v] for k, v in out.items()}
        paths = list(g.objects(q, KZO.hasEducationPath))
        primary = [x for x in paths if self.path_ok(x, c)]
        out["education"] = self.education(p, primary) if primary else REVIEW
        for path in paths:
            st = self.additional(p, path, c)
            if st is not None:
                out["additional"] = k_and(out.get("additional", PASS), st)
        levels = {tail(g.value(x, KZO.educationLevel)) for x in primary}
        atoms = [e for e in g.objects(q, KZO.hasExperienceRequirement) if tail(g.value(e, KZO.category)) in (None, c)]
        if atoms:
            held = [e.level for e in p.education if e.level in levels]
            if levels and not held:
                exp = PASS
            elif not levels:
                exp = self.clauses(p, [a for a in atoms if g.value(a, KZO.educationLevel) is None])
            else:
                exp = k_or(*(self.clauses(p, [a for a in atoms if self.applies(a, lv)]) for lv in held))
            out["experience"] = exp
        if c is not None:
            prev = next((tail(s) for s in g.subjects(KZO.nextCategory, KZCODE[f"category/{c}"])), None)
            out["prerequisite"] = PASS if p.current_category == prev else FAIL
            flagged = any(tail(g.value(r, KZO.category)) == c and (None, KZO.about, r) in g for r in creqs)
            if flagged:
                out["category-note"] = REVIEW
        mentioned = {tail(m) for m in g.objects(q, KZO.mentionsCategory) if "manager-category" not in str(m)}
        if mentioned:
            ok = PASS if p.current_category in mentioned else FAIL
            out["teaching-addon"] = {True: ok, False: PASS, None: PASS if ok == PASS else REVIEW}[p.teaching_activity]
        return {k: NAMES[v] for k, v in out.items()}

    def education(self, p: Portfolio, primary) -> int:
        g, best = self.g, FAIL
        for e in p.education:
            for path in primary:
                if tail(g.value(path, KZO.educationLevel)) != e.level:
                    continue
                ped = g.value(path, KZO.pedagogicalEducation)
                ped_ok = known(e.pedagogical, True) if ped is not None and ped.toPython() is True else PASS
                ped_ok = REVIEW if ped_ok == FAIL and e.pedagogical is None else ped_ok
                profile = str(g.value(path, KZO.educationProfile) or "")
                prof_ok = PASS
                if profile and "соответствующ" not in profile.lower():
                    words = " ".join(profile.lower().split())
                    have = " ".join((e.profile or "").lower().split())
                    prof_ok = PASS if e.profile and words in have else REVIEW
                best = k_or(best, k_and(ped_ok, prof_ok))
        return best

    def applies(self, a, level: str) -> bool:
        lv = tail(self.g.value(a, KZO.educationLevel))
        return lv is None or level == lv or (lv == "higher" and level == "postgraduate")

    def clauses(self, p: Portfolio, atoms) -> int:
        g = self.g
        groups: dict = {}
        for a in atoms:
            grp = g.value(a, KZO.alternativeGroup)
            key = ("or", int(grp)) if grp is not None else (
                "same", tail(g.value(a, KZO.experienceKind)) or "any", g.value(a, KZO.settlementType),
                g.value(a, KZO.administrativeLevel), g.value(a, KZO.condition))
            groups.setdefault(key, []).append(self.atom(p, a))
        result = PASS
        for key, values in groups.items():
            if key[0] == "or":
                result = k_and(result, k_or(*values))
            elif all(v == PASS for v in values):
                continue
            elif all(v == FAIL for v in values):
                result = FAIL
            else:
                result = k_and(result, REVIEW)
        return result

    def atom(self, p: Portfolio, a) -> int:
        g = self.g
        applies = PASS
        s = g.value(a, KZO.settlementType)
        if s is not None:
            applies = k_and(applies, known(p.settlement, tail(s)))
        adm = g.value(a, KZO.administrativeLevel)
        if adm is not None:
            applies = k_and(applies, known(p.admin_level, tail(adm)))
        cond = g.value(a, KZO.condition)
        if cond is not None:  # teaching add-on: when the portfolio says the person teaches; others: unknown
            applies = k_and(applies, known(p.teaching_activity, True) if str(cond) == "teaching-activity" else REVIEW)
        if applies == FAIL:
            return PASS
        st = self.own(p, a)
        for child in g.objects(a, KZO.includesRequirement):
            st = k_and(st, self.atom(p, child))
        if g.value(a, KZO.needsReview) and st == FAIL:
            st = REVIEW
        return st if applies == PASS else (PASS if st == PASS else REVIEW)

    def own(self, p: Portfolio, a) -> int:
        g = self.g
        lo, hi = g.value(a, KZO.minYears), g.value(a, KZO.maxYears)
        if lo is None:
            return REVIEW
        have = p.years.get(YEARS.get(tail(g.value(a, KZO.experienceKind)) or "any", "total"))
        if have is None:
            return REVIEW
        if have < Decimal(str(lo)):
            return FAIL
        if hi is not None and have < Decimal(str(hi)):
            return REVIEW
        return REVIEW if g.value(a, KZO.recentYears) is not None else PASS


def verdict(statuses: dict[str, str]) -> str:
    values = set(statuses.values())
    return "does-not-meet" if "fail" in values else "needs-review" if "needs-review" in values else "meets"


def documents(g: Graph, vacancy, held: set[str]) -> dict[str, str]:
    docs = sorted(g.objects(vacancy, KZO.requiresDocument), key=str)
    return {str(d): "pass" if str(g.value(d, RDFS.label)) in held else "fail" for d in docs}





# -- seeded random portfolios (tests and bench/bench_validation.py) ---------------------------
GEN_LEVELS = ("higher", "postgraduate", "tvet", "pedagogical-retraining", "reserve-officer")
GEN_PROFILES = (None, None, "Специальное образование", "Специальная педагогика", "Музыкальное образование",
                "Психология", "Математика", "медицинское")
GEN_YEARS = tuple(Decimal(x) for x in ("0", "0.5", "1", "2", "2.5", "3", "4", "5", "6", "7", "8", "10", "12", "15"))


def random_portfolio(rng, targets: list[tuple[str, tuple[str, ...]]], i: int):
    """(Portfolio, position IRI, category) drawn with `rng` (random.Random) over (position, categories)."""
    from service.portfolio_input import Education

    position, cats = rng.choice(targets)
    if cats and rng.random() > 0.05:
        cat = rng.choice(cats)
    else:
        cat = rng.choice((None, "pedagog", "master")) if rng.random() < 0.5 or not cats else None
    if cats and cat is None:
        cat = cats[0]
    education = tuple(Education(rng.choice(GEN_LEVELS), rng.choice(GEN_PROFILES), rng.choice((None, True, True, False)))
                      for _ in range(rng.choice((0, 1, 1, 1, 2))))
    years = {k: rng.choice(GEN_YEARS) for k in ("total", "pedagogical", "specialty", "position", "managerial",
                                                  "enterprise") if rng.random() < 0.8}
    if cat in CHAIN and CHAIN.index(cat) > 0 and rng.random() < 0.6:
        current = CHAIN[CHAIN.index(cat) - 1]
    else:
        current = rng.choice((None, None, *CHAIN, "first", "highest"))
    return Portfolio(
        person_id=f"P{i:06d}", education=education, position=position, category=cat, years=years,
        settlement=rng.choice((None, "urban", "rural")), admin_level=rng.choice((None, None, "oblast", "district")),
        teaching_activity=rng.choice((None, True, False)), current_category=current,
        academic_degree="PhD" if rng.random() < 0.3 else None,
        certificates=("Сертификат курсов",) if rng.random() < 0.3 else ()), position, cat
