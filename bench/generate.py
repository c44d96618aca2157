"""Deterministic generator of synthetic national data linked to the real regulation graph.

    .venv/bin/python bench/generate.py --teachers 100000 [--seed 2025] [--build build] [--out FILE.nq]

Writes N-Quads, streamed line by line (never an in-memory graph), into one named graph
`kzid:graph/synthetic-national`: 20 regions (17 oblasts + 3 cities of republican significance) with
districts and settlements (synthetic КАТО-like codes "SYN-…", urban/rural), organisations of every
2020 organisation type, teachers with portfolios (kzo:Portfolio: education, experience, current
category and award date, target position = a real `kzid:position/tqc-2020/…`, documents) and
vacancies for real positions, some of which deviate from the regulation on purpose.

Every number the distributions use is stated in bench/national_model.md. The same seed, size and
build give byte-identical output. `Generator.expected` holds what the analyst aggregates
(bench/aggregates/*.rq) must find, so a test can check the queries against the generator.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
import time
from bisect import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import IO, Iterator

ROOT = Path(__file__).resolve().parents[1]

GRAPH = "https://w3id.org/kz-edu/id/graph/synthetic-national"
KZO = "https://w3id.org/kz-edu/onto#"
KZID = "https://w3id.org/kz-edu/id/"
KZCODE = "https://w3id.org/kz-edu/code/"
SYN = KZID + "synthetic/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
POS2020 = KZID + "position/tqc-2020/"

AS_OF = date(2025, 9, 1)       # the synthetic "today": award dates and vacancies are before it
CHAIN = ("pedagog", "moderator", "expert", "researcher", "master")

# (slug, ru, kk, en, kind, population in thousands ~2024, urban share) — the regions are real,
# the codes are not: "SYN-RR" is a synthetic region code, not the КАТО code.
REGIONS = (
    ("astana", "город Астана", "Астана қаласы", "Astana city", "city", 1350, 1.00),
    ("almaty-city", "город Алматы", "Алматы қаласы", "Almaty city", "city", 2230, 1.00),
    ("shymkent", "город Шымкент", "Шымкент қаласы", "Shymkent city", "city", 1230, 1.00),
    ("abai", "область Абай", "Абай облысы", "Abai region", "oblast", 605, 0.55),
    ("akmola", "Акмолинская область", "Ақмола облысы", "Akmola region", "oblast", 785, 0.50),
    ("aktobe", "Актюбинская область", "Ақтөбе облысы", "Aktobe region", "oblast", 930, 0.62),
    ("almaty", "Алматинская область", "Алматы облысы", "Almaty region", "oblast", 1520, 0.25),
    ("atyrau", "Атырауская область", "Атырау облысы", "Atyrau region", "oblast", 700, 0.55),
    ("east-kazakhstan", "Восточно-Казахстанская область", "Шығыс Қазақстан облысы",
     "East Kazakhstan region", "oblast", 725, 0.65),
    ("zhambyl", "Жамбылская область", "Жамбыл облысы", "Zhambyl region", "oblast", 1215, 0.40),
    ("zhetisu", "область Жетісу", "Жетісу облысы", "Zhetisu region", "oblast", 700, 0.40),
    ("west-kazakhstan", "Западно-Казахстанская область", "Батыс Қазақстан облысы",
     "West Kazakhstan region", "oblast", 690, 0.52),
    ("karaganda", "Карагандинская область", "Қарағанды облысы", "Karaganda region", "oblast", 1135, 0.80),
    ("kostanay", "Костанайская область", "Қостанай облысы", "Kostanay region", "oblast", 830, 0.53),
    ("kyzylorda", "Кызылординская область", "Қызылорда облысы", "Kyzylorda region", "oblast", 835, 0.45),
    ("mangystau", "Мангистауская область", "Маңғыстау облысы", "Mangystau region", "oblast", 780, 0.42),
    ("pavlodar", "Павлодарская область", "Павлодар облысы", "Pavlodar region", "oblast", 750, 0.70),
    ("north-kazakhstan", "Северо-Казахстанская область", "Солтүстік Қазақстан облысы",
     "North Kazakhstan region", "oblast", 530, 0.45),
    ("turkistan", "Туркестанская область", "Түркістан облысы", "Turkistan region", "oblast", 2110, 0.20),
    ("ulytau", "область Ұлытау", "Ұлытау облысы", "Ulytau region", "oblast", 222, 0.75),
)

# organisation types: share of teachers, mean staff (urban, rural), sigma of the log-normal staff size
ORG_TYPES = {
    "secondary": (0.700, (85, 24), 0.55),
    "preschool": (0.150, (16, 8), 0.45),
    "tvet": (0.080, (65, 30), 0.50),
    "additional-children": (0.040, (28, 10), 0.60),
    "special": (0.012, (38, 20), 0.40),
    "orphans": (0.008, (22, 14), 0.40),
    "adult-training": (0.005, (30, 12), 0.40),
    "methodological": (0.005, (12, 6), 0.40),
}
ORG_NAMES = {"secondary": ("Общеобразовательная школа", "Жалпы білім беретін мектеп"),
             "preschool": ("Детский сад", "Балабақша"), "tvet": ("Колледж", "Колледж"),
             "additional-children": ("Дом школьников", "Оқушылар үйі"),
             "special": ("Специальная школа", "Арнайы мектеп"),
             "orphans": ("Детский дом", "Балалар үйі"),
             "adult-training": ("Филиал института повышения квалификации", "Біліктілікті арттыру институтының филиалы"),
             "methodological": ("Методический кабинет", "Әдістемелік кабинет")}
# main teaching positions: weight among the non-head positions of the type (others weigh 1)
POSITION_WEIGHTS = {"ch3-p6": 60, "ch3-p7": 2.5, "ch3-p8": 2.5, "ch3-p9": 2,
                    "ch2-p4": 40, "ch2-p5": 4, "ch2-p3": 2,
                    "s2-p14": 15, "s2-p19": 15, "s2-p20": 8,
                    "ch6-p3": 15, "ch6-p10": 8, "ch5-p6": 10, "ch5-p4": 4, "ch5-p3": 4,
                    "ch4-p8": 10, "ch7-p5": 3, "ch8-p5": 5}
HEAD_WORDS = ("Руководитель", "Заместитель", "Заведующий")
# current category of a teacher in a position offering the whole ladder (share)
CATEGORY_SHARES = (("none", 0.10), ("pedagog", 0.25), ("moderator", 0.27), ("expert", 0.22),
                   ("researcher", 0.12), ("master", 0.04))
PROFILES = ("Математика", "Физика", "Химия", "Биология", "География", "История", "Казахский язык и литература",
            "Русский язык и литература", "Английский язык", "Информатика", "Начальное обучение",
            "Физическая культура", "Музыка", "Художественный труд", "Дошкольное воспитание и обучение",
            "Дефектология", "Психология", "Социальная педагогика")
DOCUMENTS = ("Удостоверение личности", "Диплом об образовании", "Справка о несудимости",
             "Медицинская справка (форма 075/у)", "Сертификат национального квалификационного тестирования",
             "Удостоверение о присвоении квалификационной категории", "Сертификат о прохождении курсов повышения квалификации",
             "Трудовая книжка")
VACANCY_DOCUMENTS = DOCUMENTS[:5] + ("Заявление", "Личный листок по учету кадров")
PORTFOLIO_LEVELS = ("higher", "postgraduate", "tvet", "pedagogical-retraining", "reserve-officer")
VACANCY_RATE = 0.05            # open vacancies per teacher (a year's turnover at one moment)
DEVIATION_RATE = 0.15          # share of vacancies whose requirements differ from the regulation
ELIGIBLE_YEARS = 3             # aggregate parameter: category held at least this long


# ------------------------------------------------------------------------------ the real graph
@dataclass
class PositionFacts:
    key: str
    iri: str
    org_type: str
    head: bool
    categories: tuple[str, ...]                      # kzcode:category/* slugs offered, in ladder order
    accepts: tuple[str, ...]                         # kzcode:education/* slugs
    base_years: dict[str, float] = field(default_factory=dict)       # settlement -> regulation minimum
    category_years: dict[tuple[str, str], float] = field(default_factory=dict)  # (cat, settlement) -> min


def _q(store, text: str):
    prefix = "PREFIX kzo: <https://w3id.org/kz-edu/onto#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    return store.query(prefix + text, use_default_graph_as_union=True)


def _tail(term) -> str:
    return str(term.value).rsplit("/", 1)[1]


def load_regulation(store_path: str | Path = ROOT / "build" / "store") -> dict[str, PositionFacts]:
    """The 2020 positions with what the generator needs, read from the build's store."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_path))
    facts: dict[str, PositionFacts] = {}
    for row in _q(store, f"""SELECT ?p ?ot ?l WHERE {{ ?p a kzo:Position ; kzo:organisationType ?ot ;
                   skos:prefLabel ?l . FILTER(LANG(?l) = "ru") FILTER(STRSTARTS(STR(?p), "{POS2020}")) }}"""):
        key = row["p"].value[len(POS2020):]
        if key not in facts:
            facts[key] = PositionFacts(key, row["p"].value, _tail(row["ot"]), False, (), ())
        facts[key].head = facts[key].head or row["l"].value.startswith(HEAD_WORDS)
    cats, accepts = defaultdict(set), defaultdict(set)
    for row in _q(store, f"""SELECT ?p ?c WHERE {{ ?p kzo:hasCategoryRequirement/kzo:category ?c .
                   FILTER(STRSTARTS(STR(?p), "{POS2020}")) FILTER(STRSTARTS(STR(?c), "{KZCODE}category/")) }}"""):
        cats[row["p"].value[len(POS2020):]].add(_tail(row["c"]))
    for row in _q(store, f"""SELECT ?p ?e WHERE {{ ?p kzo:acceptsEducation ?e . FILTER(STRSTARTS(STR(?p), "{POS2020}")) }}"""):
        accepts[row["p"].value[len(POS2020):]].add(_tail(row["e"]))
    # regulation minimum of a vacancy without category: the qualification point's experience
    # requirements that name no category, for the settlement (or for both) — the same rule as
    # bench/aggregates/vacancy-deviations.rq
    for row in _q(store, f"""SELECT ?p ?min ?st WHERE {{ ?p kzo:hasQualificationRequirement/kzo:hasExperienceRequirement ?e .
                   ?e kzo:minYears ?min . FILTER NOT EXISTS {{ ?e kzo:category ?c }}
                   OPTIONAL {{ ?e kzo:settlementType ?st }} FILTER(STRSTARTS(STR(?p), "{POS2020}")) }}"""):
        f = facts.get(row["p"].value[len(POS2020):])
        if f is None:
            continue
        for st in ((_tail(row["st"]),) if row["st"] is not None else ("urban", "rural")):
            f.base_years[st] = min(f.base_years.get(st, math.inf), float(row["min"].value))
    # per-category minimum (what eligible-next-category.rq uses)
    for row in _q(store, f"""SELECT ?p ?c ?min ?st WHERE {{ ?p kzo:hasCategoryRequirement ?cr . ?cr kzo:category ?c ;
                   kzo:hasExperienceRequirement ?e . ?e kzo:minYears ?min . OPTIONAL {{ ?e kzo:settlementType ?st }}
                   FILTER(STRSTARTS(STR(?p), "{POS2020}")) FILTER(STRSTARTS(STR(?c), "{KZCODE}category/")) }}"""):
        f = facts.get(row["p"].value[len(POS2020):])
        if f is None:
            continue
        for st in ((_tail(row["st"]),) if row["st"] is not None else ("urban", "rural")):
            k = (_tail(row["c"]), st)
            f.category_years[k] = min(f.category_years.get(k, math.inf), float(row["min"].value))
    for key, f in facts.items():
        f.categories = tuple(c for c in CHAIN if c in cats[key])
        f.accepts = tuple(sorted(accepts[key]))
    if not facts:
        raise SystemExit(f"{store_path}: no 2020 positions found; run `pedkg build` first")
    return dict(sorted(facts.items()))


# ------------------------------------------------------------------------------ N-Quads helpers
def _lit(text: str, lang: str | None = None) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def _typed(value, dtype: str) -> str:
    return f'"{value}"^^<{XSD}{dtype}>'


def _years(v: float) -> str:
    return _typed(f"{v:.1f}", "decimal")


class Writer:
    """Buffers quad lines and writes them in chunks; counts them."""

    def __init__(self, out: IO[str]) -> None:
        self.out, self.buf, self.count = out, [], 0
        self.g = f" <{GRAPH}> .\n"

    def t(self, s: str, p: str, o: str) -> None:
        self.buf.append(f"<{s}> <{p}> {o}{self.g}")
        if len(self.buf) >= 50_000:
            self.flush()

    def flush(self) -> None:
        self.count += len(self.buf)
        self.out.write("".join(self.buf))
        self.buf.clear()


def _iri(x: str) -> str:
    return f"<{x}>"


# ------------------------------------------------------------------------------ the generator
@dataclass
class Org:
    iri: str
    org_type: str
    region: str
    settlement: str
    urban: bool
    staff: int


@dataclass
class Teacher:
    """One teacher's portfolio as plain values (also the input of the validation benchmark)."""

    person_id: str
    org: Org
    position: PositionFacts
    current: str | None
    awarded: date | None
    target: str | None
    pedagogical: float
    total: float
    specialty: float | None
    education: tuple[tuple[str, str, bool], ...]
    documents: tuple[str, ...]

    def portfolio_dict(self) -> dict:
        """The JSON form of `shapes/portfolio.schema.json` (what a batch submitter sends)."""
        exp = {"total": self.total, "pedagogical": self.pedagogical,
               "settlement": "urban" if self.org.urban else "rural"}
        if self.specialty is not None:
            exp["specialty"] = self.specialty
        d = {"person_id": self.person_id,
             "target": {"position": self.position.key, **({"category": self.target} if self.target else {})},
             "education": [{"level": lvl, "profile": prof, "pedagogical": ped} for lvl, prof, ped in self.education],
             "experience": exp, "documents": list(self.documents)}
        if self.current:
            d["category"] = {"current": self.current, "awarded": self.awarded.isoformat()}
        return d


def _choice_w(rng: random.Random, items, cum) -> object:
    return items[bisect(cum, rng.random() * cum[-1])]


class Generator:
    def __init__(self, teachers: int, seed: int = 2025, regulation: dict[str, PositionFacts] | None = None,
                 build: Path = ROOT / "build") -> None:
        self.n, self.seed = teachers, seed
        self.reg = regulation if regulation is not None else load_regulation(Path(build) / "store")
        self.rng = random.Random(seed)
        self.expected: dict[str, object] = {}
        by_type = defaultdict(list)
        for f in self.reg.values():
            by_type[f.org_type].append(f)
        self.heads = {t: [f for f in fs if f.head] for t, fs in by_type.items()}
        self.staff_positions = {}
        for t, fs in by_type.items():
            ps = [f for f in fs if not f.head] or fs
            self.staff_positions[t] = (ps, list(accumulate(POSITION_WEIGHTS.get(f.key, 1.0) for f in ps)))

    # -- places -------------------------------------------------------------------------------
    def places(self, w: Writer) -> dict[str, dict]:
        """Regions, districts, settlements (fixed, ~3,000 places whatever the size)."""
        rng = random.Random(self.seed * 7 + 1)
        out = {}
        for r_i, (slug, ru, kk, en, kind, pop, urban) in enumerate(REGIONS, start=1):
            r_iri = f"{SYN}region/{slug}"
            code = f"SYN-{r_i:02d}"
            w.t(r_iri, RDF_TYPE, _iri(SCHEMA + "AdministrativeArea"))
            for text, lang in ((ru, "ru"), (kk, "kk"), (en, "en")):
                w.t(r_iri, SKOS + "prefLabel", _lit(text, lang))
            w.t(r_iri, SKOS + "notation", _lit(code))
            w.t(r_iri, DCT + "type", _lit("city of republican significance" if kind == "city" else "oblast"))
            w.t(r_iri, RDFS + "comment", _lit("Synthetic benchmark data: the region is real, its code and "
                                              "everything below it are not.", "en"))
            n_districts = 4 + pop // 400 if kind == "city" else 6 + pop // 90
            urban_s, rural_s = [], []
            for d in range(1, n_districts + 1):
                d_iri = f"{r_iri}/district/{d}"
                d_code = f"{code}{d:02d}"
                w.t(d_iri, RDF_TYPE, _iri(SCHEMA + "AdministrativeArea"))
                w.t(d_iri, SKOS + "prefLabel", _lit(f"Синтетический район {d_code}", "ru"))
                w.t(d_iri, SKOS + "notation", _lit(f"SYN-{d_code}"))
                w.t(d_iri, SCHEMA + "containedInPlace", _iri(r_iri))
                villages = 0 if kind == "city" else rng.randint(8, 22)
                for s in range(villages + 1):
                    s_iri = f"{d_iri}/settlement/{s}"
                    s_code = f"SYN-{d_code}{s:03d}"
                    is_urban = s == 0
                    w.t(s_iri, RDF_TYPE, _iri(SCHEMA + "Place"))
                    w.t(s_iri, SKOS + "prefLabel", _lit(("Синтетический город " if is_urban else
                                                         "Синтетическое село ") + s_code[4:], "ru"))
                    w.t(s_iri, SKOS + "notation", _lit(s_code))
                    w.t(s_iri, KZO + "settlementType", _iri(KZCODE + ("settlement/urban" if is_urban else "settlement/rural")))
                    w.t(s_iri, SCHEMA + "containedInPlace", _iri(d_iri))
                    (urban_s if is_urban else rural_s).append(s_iri)
            out[slug] = {"iri": r_iri, "pop": pop, "urban": urban, "urban_s": urban_s, "rural_s": rural_s}
        return out

    # -- organisations ------------------------------------------------------------------------
    def organisations(self, regions: dict[str, dict]) -> list[Org]:
        """Draw organisations until every type has its share of the teachers."""
        rng = random.Random(self.seed * 7 + 2)
        slugs = list(regions)
        cum_pop = list(accumulate(regions[s]["pop"] for s in slugs))
        orgs: list[Org] = []
        budgets = {t: int(self.n * share) for t, (share, _, _) in ORG_TYPES.items()}
        for t in sorted(ORG_TYPES, key=lambda t: -(self.n * ORG_TYPES[t][0] % 1))[: self.n - sum(budgets.values())]:
            budgets[t] += 1                                   # largest remainders: the budgets sum to n
        for t, (share, (mu_u, mu_r), sigma) in ORG_TYPES.items():
            budget = budgets[t]
            k = 0
            while budget > 0:
                slug = _choice_w(rng, slugs, cum_pop)
                reg = regions[slug]
                urban = rng.random() < reg["urban"] * (1.0 if t != "secondary" else 0.85 + 0.15 * reg["urban"])
                mu = mu_u if urban else mu_r
                staff = max(3, int(rng.lognormvariate(math.log(mu) - sigma * sigma / 2, sigma)))
                staff = max(1, min(staff, budget))
                settlement = rng.choice(reg["urban_s"] if urban or not reg["rural_s"] else reg["rural_s"])
                k += 1
                orgs.append(Org(f"{SYN}org/{t}/{k}", t, slug, settlement, urban or not reg["rural_s"], staff))
                budget -= staff
        return orgs

    def write_org(self, w: Writer, o: Org, number: int) -> None:
        ru, kk = ORG_NAMES[o.org_type]
        w.t(o.iri, RDF_TYPE, _iri(ORG + "Organization"))
        w.t(o.iri, SKOS + "prefLabel", _lit(f"{ru} № {number} (синтетическая)", "ru"))
        w.t(o.iri, SKOS + "prefLabel", _lit(f"№ {number} {kk} (синтетикалық)", "kk"))
        w.t(o.iri, ORG + "classification", _iri(f"{KZCODE}org-type/{o.org_type}"))
        w.t(o.iri, ORG + "identifier", _lit(f"SYN-BIN-{hashlib.sha1(o.iri.encode()).hexdigest()[:12]}"))
        w.t(o.iri, SCHEMA + "location", _iri(o.settlement))
        w.t(o.iri, SCHEMA + "numberOfEmployees", _typed(o.staff, "integer"))

    # -- teachers -----------------------------------------------------------------------------
    def _category(self, rng: random.Random, f: PositionFacts) -> str | None:
        if not f.categories:
            return None
        r, acc = rng.random(), 0.0
        offered = [(c, s) for c, s in CATEGORY_SHARES if c == "none" or c in f.categories]
        total = sum(s for _, s in offered)
        for c, s in offered:
            acc += s / total
            if r < acc:
                return None if c == "none" else c
        return offered[-1][0] if offered[-1][0] != "none" else None

    def teachers(self, orgs: list[Org]) -> Iterator[Teacher]:
        rng = self.rng
        i = 0
        for o in orgs:
            heads = self.heads.get(o.org_type, [])
            directors = [f for f in heads if not f.key.endswith(("p2", "p3", "p4", "p5", "p6", "p7", "p8"))] or heads
            n_heads = min(len(heads), 1 + o.staff // 30) if heads and o.staff >= 5 else 0
            chosen_heads = ([directors[0]] + [f for f in heads if f is not directors[0]][: n_heads - 1]) if n_heads else []
            ps, cum = self.staff_positions[o.org_type]
            for j in range(o.staff):
                i += 1
                f = chosen_heads[j] if j < len(chosen_heads) else _choice_w(rng, ps, cum)
                yield self._teacher(rng, f"SYN-T{i:07d}", o, f)

    def _teacher(self, rng: random.Random, pid: str, o: Org, f: PositionFacts) -> Teacher:
        st = "urban" if o.urban else "rural"
        current = self._category(rng, f)
        thr = f.category_years.get((current, st), 0.0) if current else 0.0
        if thr == math.inf:
            thr = 0.0
        # years in teaching: at least the threshold of the category held for 97 %; gamma tail
        ped = thr + rng.gammavariate(2.0, 3.2)
        if rng.random() < 0.03:
            ped = max(0.0, thr - rng.uniform(0.5, 2.0))          # an inconsistent record
        ped = round(min(ped, 45.0) * 2) / 2
        total = round(ped + (rng.expovariate(1 / 1.5) if rng.random() < 0.4 else 0.0), 1)
        specialty = round(min(ped, ped * rng.uniform(0.6, 1.0)) * 2) / 2 if rng.random() < 0.4 else None
        awarded = AS_OF - timedelta(days=rng.randint(30, 5 * 365)) if current else None
        nxt = CHAIN[CHAIN.index(current) + 1] if current and current != "master" else None
        if nxt and nxt not in f.categories:
            nxt = None
        target = nxt if nxt and rng.random() < 0.30 else current
        accepts = [lvl for lvl in f.accepts if lvl in PORTFOLIO_LEVELS] or ["higher"]
        main = "higher" if "higher" in accepts and rng.random() < 0.86 else \
            ("tvet" if "tvet" in accepts else accepts[0])
        if rng.random() < 0.03:
            main = rng.choice(("higher", "tvet"))                 # education the position may not accept
        edu = [(main, rng.choice(PROFILES), rng.random() < 0.9)]
        if main == "higher" and rng.random() < 0.10:
            edu.append(("postgraduate", edu[0][1], True))
        elif rng.random() < 0.05:
            edu.append(("pedagogical-retraining", rng.choice(PROFILES), True))
        docs = tuple(DOCUMENTS[k] for k in sorted(rng.sample(range(len(DOCUMENTS)), rng.randint(3, 5))))
        return Teacher(pid, o, f, current, awarded, target, ped, max(total, ped), specialty, tuple(edu), docs)

    def write_teacher(self, w: Writer, t: Teacher) -> None:
        person = f"{SYN}person/{t.person_id}"
        pf = f"{SYN}portfolio/{t.person_id}"
        w.t(person, RDF_TYPE, _iri(SCHEMA + "Person"))
        w.t(person, SCHEMA + "worksFor", _iri(t.org.iri))
        w.t(pf, RDF_TYPE, _iri(KZO + "Portfolio"))
        w.t(pf, KZO + "personId", _lit(t.person_id))
        w.t(pf, SCHEMA + "about", _iri(person))
        w.t(pf, KZO + "targetPosition", _iri(t.position.iri))
        if t.target:
            w.t(pf, KZO + "targetCategory", _iri(f"{KZCODE}category/{t.target}"))
        if t.current:
            w.t(pf, KZO + "currentCategory", _iri(f"{KZCODE}category/{t.current}"))
            w.t(pf, KZO + "categoryAwarded", _typed(t.awarded.isoformat(), "date"))
        w.t(pf, KZO + "experienceYears", _years(t.total))
        w.t(pf, KZO + "pedagogicalYears", _years(t.pedagogical))
        if t.specialty is not None:
            w.t(pf, KZO + "specialtyYears", _years(t.specialty))
        w.t(pf, KZO + "settlementType", _iri(KZCODE + ("settlement/urban" if t.org.urban else "settlement/rural")))
        for k, (lvl, prof, ped) in enumerate(t.education, start=1):
            e = f"{pf}/education/{k}"
            w.t(pf, KZO + "hasEducation", _iri(e))
            w.t(e, RDF_TYPE, _iri(KZO + "Education"))
            w.t(e, KZO + "educationLevel", _iri(f"{KZCODE}education/{lvl}"))
            w.t(e, KZO + "educationProfile", _lit(prof))
            w.t(e, KZO + "pedagogicalEducation", _typed("true" if ped else "false", "boolean"))
        for k, label in enumerate(t.documents, start=1):
            d = f"{pf}/document/{k}"
            w.t(pf, KZO + "holdsDocument", _iri(d))
            w.t(d, RDFS + "label", _lit(label, "ru"))

    # -- vacancies ----------------------------------------------------------------------------
    def write_vacancies(self, w: Writer, orgs: list[Org]) -> None:
        rng = random.Random(self.seed * 7 + 3)
        cum = list(accumulate(o.staff for o in orgs))
        n = max(1, round(self.n * VACANCY_RATE))
        deviations: Counter = Counter()
        for k in range(1, n + 1):
            o = _choice_w(rng, orgs, cum)
            ps, pcum = self.staff_positions[o.org_type]
            f = _choice_w(rng, ps, pcum)
            st = "urban" if o.urban else "rural"
            reg_years = f.base_years.get(st, 0.0)
            years, accepts = reg_years, list(f.accepts)
            kind = None
            if rng.random() < DEVIATION_RATE:
                options = ["experience-stricter", "education-not-accepted"] + (["experience-looser"] if reg_years >= 1 else [])
                kind = rng.choice(options)
                if kind == "experience-stricter":
                    years = reg_years + rng.choice((1, 2, 3))
                elif kind == "experience-looser":
                    years = reg_years - 1
                else:
                    extra = [lvl for lvl in ("tvet", "higher", "course-certificate") if lvl not in accepts]
                    if extra:
                        accepts.append(extra[0])
                    else:
                        kind, years = "experience-stricter", reg_years + 1
                deviations[kind] += 1
            v = f"{SYN}vacancy/{k}"
            posted = AS_OF - timedelta(days=rng.randint(1, 60))
            w.t(v, RDF_TYPE, _iri(KZO + "Vacancy"))
            w.t(v, KZO + "forPosition", _iri(f.iri))
            w.t(v, SCHEMA + "hiringOrganization", _iri(o.iri))
            w.t(v, SCHEMA + "datePosted", _typed(posted.isoformat(), "date"))
            lo = 180_000 + 10_000 * rng.randint(0, 12)
            amount = f"{v}/salary"
            w.t(v, SCHEMA + "baseSalary", _iri(amount))
            w.t(amount, RDF_TYPE, _iri(SCHEMA + "MonetaryAmount"))
            w.t(amount, SCHEMA + "minValue", _typed(lo, "integer"))
            w.t(amount, SCHEMA + "maxValue", _typed(int(lo * rng.uniform(1.3, 1.8)) // 1000 * 1000, "integer"))
            w.t(amount, SCHEMA + "currency", _lit("KZT"))
            e = f"{v}/experience"
            w.t(v, KZO + "hasExperienceRequirement", _iri(e))
            w.t(e, RDF_TYPE, _iri(KZO + "ExperienceRequirement"))
            w.t(e, KZO + "minYears", _typed(f"{years:g}", "decimal"))
            for lvl in sorted(set(accepts)):
                w.t(v, KZO + "acceptsEducation", _iri(f"{KZCODE}education/{lvl}"))
            for pos, k_doc in enumerate(sorted(rng.sample(range(len(VACANCY_DOCUMENTS)), 5)), start=1):
                d = f"{v}/document/{pos}"
                w.t(v, KZO + "requiresDocument", _iri(d))
                w.t(d, RDF_TYPE, _iri(KZO + "RequiredDocument"))
                w.t(d, RDFS + "label", _lit(VACANCY_DOCUMENTS[k_doc], "ru"))
                w.t(d, SCHEMA + "position", _typed(pos, "integer"))
        self.expected["vacancies"] = n
        self.expected["deviating_vacancies"] = sum(deviations.values())
        self.expected["deviations_by_kind"] = dict(sorted(deviations.items()))

    # -- the whole dataset --------------------------------------------------------------------
    def write(self, out: IO[str], keep: int = 0) -> tuple[int, list[Teacher]]:
        """Write every quad to `out`; returns (quads, the first `keep` teachers)."""
        w = Writer(out)
        meta = GRAPH
        w.t(meta, RDF_TYPE, _iri("http://rdfs.org/ns/void#Dataset"))
        w.t(meta, DCT + "title", _lit("Synthetic national data for benchmarks (not real people or organisations)", "en"))
        w.t(meta, DCT + "description", _lit(f"Generated by bench/generate.py, seed {self.seed}, {self.n} teachers; "
                                            "distributions in bench/national_model.md. Only the regions and the "
                                            "regulation's positions and codes are real.", "en"))
        regions = self.places(w)
        orgs = self.organisations(regions)
        per_type = Counter()
        for o in orgs:
            per_type[o.org_type] += 1
            self.write_org(w, o, per_type[o.org_type])
        kept: list[Teacher] = []
        cats: Counter = Counter()
        by_region_cat: Counter = Counter()
        eligible = 0
        cutoff = AS_OF.replace(year=AS_OF.year - ELIGIBLE_YEARS)
        n_teachers = 0
        for t in self.teachers(orgs):
            n_teachers += 1
            self.write_teacher(w, t)
            cats[t.current or "none"] += 1
            by_region_cat[(t.org.region, t.current or "none")] += 1
            if t.current in CHAIN[:-1] and t.awarded <= cutoff:
                nxt = CHAIN[CHAIN.index(t.current) + 1]
                st = "urban" if t.org.urban else "rural"
                thr = t.position.category_years.get((nxt, st))
                if thr is not None and thr != math.inf and t.pedagogical >= thr:
                    eligible += 1
            if len(kept) < keep:
                kept.append(t)
        self.write_vacancies(w, orgs)
        w.flush()
        self.expected.update({"teachers": n_teachers, "organisations": len(orgs),
                              "organisations_by_type": dict(sorted(per_type.items())),
                              "categories": dict(sorted(cats.items())), "eligible_next_category": eligible,
                              "eligible_cutoff": cutoff.isoformat(), "quads": w.count})
        self.expected["regions_x_categories"] = len(by_region_cat)
        return w.count, kept


def generate(teachers: int, out_path: Path, seed: int = 2025, build: Path = ROOT / "build",
             regulation: dict[str, PositionFacts] | None = None, keep: int = 0) -> Generator:
    """Write the synthetic graph for `teachers` into `out_path` (N-Quads); returns the generator."""
    gen = Generator(teachers, seed, regulation, build)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".part")
    with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as fh:
        _, gen.kept = gen.write(fh, keep)
    tmp.replace(out_path)
    return gen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teachers", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    out = args.out or ROOT / "bench" / "data" / f"synthetic-{args.teachers}.nq"
    t0 = time.perf_counter()
    gen = generate(args.teachers, out, args.seed, args.build)
    dt = time.perf_counter() - t0
    print(f"{out}: {gen.expected['quads']:,} quads, {gen.expected['teachers']:,} teachers, "
          f"{gen.expected['organisations']:,} organisations, {gen.expected['vacancies']:,} vacancies in {dt:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
