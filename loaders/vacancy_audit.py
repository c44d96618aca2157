"""Compare a vacancy announcement with the regulation of the position it is for.

Two jobs, both generic:

* **matching** an announcement to a 2020 position (:func:`match_position`): by the point numbers
  it copied ("69." / "70." / "71.", unique across the annex) checked against the employer's
  organisation type; failing that, by aligning its duty list with every position's duty
  sentences (a Needleman–Wunsch alignment over a bilingual concept lexicon, so a Kazakh list
  matches a Russian regulation);
* **auditing** (:func:`audit`): every difference between what the announcement says and what the
  regulation says becomes a :class:`Deviation` with both texts and both lines. The announcement's
  claims are never taken for the regulation's: a threshold printed in the vacancy is a claim of
  the vacancy.

The lexicon is a closed list of domain concepts with Russian and Kazakh stems (a word belongs to a
concept when it starts with one of its stems). It is small on purpose; words it does not know
are ignored by the cross-language comparison, and a same-language comparison also uses the words
themselves.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from loaders.base import TextItem
from loaders.vacancy import VacancyDoc, VacancyVersion, clean

# --------------------------------------------------------------------------------------------
# bilingual concept lexicon: concept -> (ru stems, kk stems)
# --------------------------------------------------------------------------------------------

LEXICON: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "method": (("метод",), ("әдіс",)),
    "work": (("работ",), ("жұмыс",)),
    "organisation": (("организац",), ("ұйым",)),
    "additional": (("дополнительн",), ("қосымша",)),
    "education": (("образован", "образовател"), ("білім",)),
    "child": (("дет", "ребен"), ("бала",)),
    "ensure": (("обеспеч",), ("қамтамасыз",)),
    "support": (("сопровожд",), ("сүйемелде", "ілесіп")),
    "analyse": (("анализ", "аналитич"), ("талда",)),
    "assess": (("оценк", "оценив"), ("бағала",)),
    "result": (("результат",), ("нәтиже",)),
    "generalise": (("обобщ", "накоплен", "сбор"), ("жалпыла", "жинақта", "жинау")),
    "disseminate": (("распростран", "трансл"), ("тарат",)),
    "innovation": (("инновац",), ("инновац",)),
    "pedagogy": (("педагог",), ("педагог",)),
    "experience": (("опыт",), ("тәжірибе",)),
    "creative": (("творческ",), ("шығармашыл",)),
    "growth": (("рост",), ("өсу", "өсуін", "өсуі")),
    "staff": (("кадр", "работник"), ("кадр", "қызметкер")),
    "professional": (("профессиональн",), ("кәсіби", "кәсіптік")),
    "self": (("самореализ",), ("өзін-өзі",)),
    "study": (("учебн", "изуча"), ("оқу", "зерттей")),
    "upbringing": (("воспитательн", "воспитани"), ("тәрбие",)),
    "proposal": (("предложени", "рекомендац"), ("ұсыныс", "ұсыным")),
    "efficiency": (("эффективн",), ("тиімді",)),
    "develop": (("разраб",), ("әзірле",)),
    "information": (("информац",), ("ақпарат",)),
    "material": (("материал",), ("материал",)),
    "diagnostics": (("диагност",), ("диагност",)),
    "forecast": (("прогноз",), ("болжа",)),
    "plan": (("план",), ("жоспар",)),
    "prepare": (("подготов", "переподготов"), ("даярла", "дайында", "дайындық")),
    "qualification": (("квалификац",), ("біліктіл",)),
    "raise": (("повышени",), ("арттыр",)),
    "help": (("помощ",), ("көмек",)),
    "content": (("содержани",), ("мазмұн",)),
    "programme": (("программ",), ("бағдарлам",)),
    "form-object": (("форм",), ("нысан",)),
    "means": (("средств", "пособи"), ("құрал",)),
    "teaching": (("обучени", "обучая"), ("оқыт",)),
    "science": (("научн",), ("ғылыми",)),
    "introduce": (("внос", "внедр"), ("енгіз",)),
    "improve": (("совершенств",), ("жетілдір",)),
    "documentation": (("документац",), ("құжаттама",)),
    "list": (("перечн", "перечен"), ("тізбе",)),
    "equipment": (("оборудован",), ("жабдық",)),
    "didactic": (("дидактич",), ("дидактика",)),
    "review": (("рецензир",), ("рецензия",)),
    "approve": (("утвержд",), ("бекіт",)),
    "experiment": (("эксперимент",), ("эксперимент",)),
    "association": (("объединени",), ("бірлест",)),
    "coordinate": (("координир",), ("үйлестір",)),
    "consult": (("консультац", "консультатив"), ("консультац",)),
    "practical": (("практическ",), ("практика",)),
    "direction": (("направлени",), ("бағыт",)),
    "activity": (("деятельност", "служб"), ("қызмет",)),
    "domestic": (("отечествен",), ("отандық",)),
    "world": (("миров",), ("әлемдік",)),
    "contest": (("конкурс",), ("конкурс",)),
    "exhibition": (("выстав",), ("көрме",)),
    "olympiad": (("олимпиад",), ("олимпиада",)),
    "rally": (("слет",), ("слет",)),
    "competition": (("соревнован",), ("жарыс",)),
    "systematise": (("систематиз",), ("жүйеле",)),
    "reference": (("справочн",), ("анықтамал",)),
    "draft": (("проект",), ("жоба",)),
    "normative": (("нормативн",), ("нормативт",)),
    "legal": (("правов",), ("құқықтық",)),
    "expertise": (("экспертиз", "экспертн"), ("сараптама", "сараптау")),
    "correction": (("корректир", "коррекц"), ("түзет",)),
    "standard": (("стандарт",), ("стандарт",)),
    "council": (("совет",), ("кеңес",)),
    "seminar": (("семинар",), ("семинар",)),
    "conference": (("конференц",), ("конференция",)),
    "community": (("сообществ",), ("қоғамдаст",)),
    "rule": (("правил",), ("ереже", "қағида")),
    "safety": (("безопасн",), ("қауіпсізд",)),
    "protection": (("охран",), ("қорға",)),
    "labour": (("труд",), ("еңбек",)),
    "fire": (("пожар",), ("өрт",)),
    "life": (("жизн",), ("өмір",)),
    "health": (("здоровь",), ("денсаулы",)),
    "learner": (("обучающ", "учащ", "воспитанник"), ("алушы", "оқушы", "тәрбиеленуш")),
    "process": (("процесс",), ("процес", "үдеріс")),
    "product": (("продукц",), ("өнім",)),
    "set": (("комплект",), ("жиынтық",)),
    "publish": (("издани",), ("шығару",)),
    "priority": (("приоритет",), ("басым",)),
    "development": (("развит", "развива"), ("дамы", "даму")),
    "implement": (("реализац",), ("іске",)),
    "report": (("отчет",), ("есеп",)),
    "profile": (("профильн",), ("бейін",)),
    "republican": (("республиканск",), ("республикалық",)),
    "application": (("заявк",), ("өтінім",)),
    "individual": (("индивидуальн", "частн"), ("жеке",)),
    "person": (("лиц",), ("тұлға", "адам")),
    "consulting": (("консалтинг",), ("консалтинг",)),
    "technology": (("технолог",), ("технология",)),
    "advanced": (("передов",), ("озық",)),
    "informal": (("неформальн",), ("бейресми",)),
    "promote": (("пропаганд",), ("насихатта",)),
    "achievement": (("достижени",), ("жетістік",)),
    "masterclass": (("мастер-класс",), ("шеберлік",)),
    "workshop": (("мастерск",), ("шеберхана",)),
    "psychology": (("психолог",), ("психолог",)),
    "special-needs": (("особ",), ("ерекше",)),
    "need": (("потребност",), ("қажеттіл",)),
    "general": (("общего",), ("жалпы",)),
    "stay": (("пребывани",), ("болған",)),
    "independent": (("самостоятельн",), ("дербес",)),
    "limited": (("ограничен",), ("шектел",)),
    "medical": (("медико", "медицин"), ("медицина",)),
    "teacher": (("учител",), ("мұғалім",)),
    "guidance": (("руководств",), ("басшылығ",)),
    "examination": (("обследовани",), ("тексеру",)),
    "specialist": (("специалист",), ("маман",)),
    "behaviour": (("поведенч",), ("мінез-құлық", "мінез-құлқ")),
    "reduced": (("сокращен",), ("қысқартылған",)),
    "adapted": (("адаптир", "адаптивн"), ("бейімде",)),
    "special": (("специальн",), ("арнайы", "арнаулы")),
    "satisfy": (("удовлетвор",), ("қанағаттандыр",)),
    "observe": (("наблюдени",), ("бақыла",)),
    "data": (("данн",), ("мәлімет",)),
    "protocol": (("протокол",), ("хаттама",)),
    "master-skill": (("освоени",), ("меңгер",)),
    "dynamics": (("динамик",), ("динамика",)),
    "skill": (("навык",), ("дағды",)),
    "social": (("социальн",), ("әлеуметтік",)),
    "socialisation": (("социализац",), ("әлеуметтен",)),
    "condition": (("услови",), ("жағдай",)),
    "regime": (("режим",), ("режим",)),
    "period": (("период",), ("кезең",)),
    "tolerance": (("толерант",), ("толерант", "төзімділ")),
    "belief": (("убеждени",), ("наным",)),
    "view": (("взгляд",), ("көзқарас",)),
    "openness": (("открытост",), ("ашықтық",)),
    "culture": (("культурн",), ("мәдени",)),
    "diversity": (("многообрази",), ("алуан",)),
    "participant": (("участник",), ("қатысушы",)),
    "inclusive": (("инклюзивн",), ("инклюзивт",)),
    "society": (("обществ",), ("қоғам",)),
    "established": (("установлен",), ("белгіленген",)),
    "concept": (("концепц",), ("тұжырымдама",)),
    "value": (("ценност",), ("құндылық",)),
    "subject": (("субъект",), ("субъект",)),
    "family": (("семь",), ("отбасы",)),
    "vision": (("зрени",), ("көру",)),
    "hearing": (("слух",), ("есту",)),
    "movement": (("перемещени", "опорно-двигат"), ("ауыстыру", "тірек-қимыл")),
    "conflict": (("конфликт",), ("қақтығыс", "жанжал")),
    "negative": (("негатив", "отрицательн"), ("теріс",)),
}

#: concepts whose presence on one side only changes who or what a duty is about
SALIENT = frozenset({"learner", "teacher", "specialist", "subject", "form-object", "family"})

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _stem_index(lang: str) -> list[tuple[str, str]]:
    k = 0 if lang == "ru" else 1
    pairs = [(stem, concept) for concept, stems in LEXICON.items() for stem in stems[k]]
    return sorted(pairs, key=lambda p: -len(p[0]))


_INDEX = {"ru": _stem_index("ru"), "kk": _stem_index("kk")}


def concepts(text: str, lang: str) -> frozenset[str]:
    """The lexicon concepts a text mentions (a word, or each part of a hyphenated word)."""
    found = set()
    index = _INDEX[lang]
    for word in _WORD.findall(text.lower()):
        for piece in [word] + (word.split("-") if "-" in word else []):
            for stem, concept in index:
                if piece.startswith(stem):
                    found.add(concept)
                    break
    return frozenset(found)


def _stems(text: str) -> frozenset[str]:
    return frozenset(w[:6] for w in _WORD.findall(text.lower()) if len(w) > 3)


def _dice(a: frozenset, b: frozenset) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


@dataclass(frozen=True)
class Sentence:
    """A duty (or knowledge) sentence with its line and its concept set."""

    text: str
    line: int
    lang: str
    concepts: frozenset[str]
    stems: frozenset[str]


def sentences(items: Iterable[TextItem], lang: str) -> list[Sentence]:
    """Split items into sentences at ". " before a capital letter (a duty item may hold two)."""
    out = []
    for item in items:
        for piece in re.split(r"(?<=[.;])\s+(?=[А-ЯЁӘҒҚҢӨҰҮҺІ])", item.text):
            piece = piece.strip()
            if piece:
                out.append(Sentence(piece, item.line, lang, concepts(piece, lang), _stems(piece)))
    return out


def similarity(a: Sentence, b: Sentence) -> float:
    by_concept = _dice(a.concepts, b.concepts)
    if a.lang == b.lang:
        return max(by_concept, _dice(a.stems, b.stems))
    return by_concept


def align(a: list[Sentence], b: list[Sentence], threshold: float = 0.3
          ) -> list[tuple[int | None, int | None, float]]:
    """Order-preserving alignment (Needleman–Wunsch, gap 0, a pair scores its similarity when
    it reaches ``threshold``). Returns (i, j, score) with None for a gap, in order."""
    n, m = len(a), len(b)
    sim = [[similarity(x, y) for y in b] for x in a]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = sim[i][j] if sim[i][j] >= threshold else -1.0
            score[i][j] = max(score[i + 1][j], score[i][j + 1], score[i + 1][j + 1] + pair)
    out: list[tuple[int | None, int | None, float]] = []
    i = j = 0
    while i < n and j < m:
        pair = sim[i][j] if sim[i][j] >= threshold else -1.0
        if score[i][j] == score[i + 1][j + 1] + pair and pair >= 0:
            out.append((i, j, sim[i][j]))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            out.append((i, None, 0.0))
            i += 1
        else:
            out.append((None, j, 0.0))
            j += 1
    out.extend((k, None, 0.0) for k in range(i, n))
    out.extend((None, k, 0.0) for k in range(j, m))
    return out


def sequence_score(a: list[Sentence], b: list[Sentence]) -> float:
    """Aligned similarity mass over the longer list: 1.0 for two identical lists."""
    if not a or not b:
        return 0.0
    return sum(s for i, j, s in align(a, b) if i is not None and j is not None) / max(len(a), len(b))


# --------------------------------------------------------------------------------------------
# matching an announcement to a position
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PositionMatch:
    position: object            # loaders.tqc2020_records.Position2020
    method: str                 # point-numbers | duty-sequence
    score: float
    evidence: str               # a sentence a person can check
    runner_up: str | None = None


def _positions(positions_2020) -> list:
    return list(getattr(positions_2020, "positions", positions_2020) or [])


def match_by_points(doc: VacancyDoc, positions_2020) -> PositionMatch | None:
    """The position whose points carry the numbers the announcement printed; when several
    positions qualify, the one of the employer's organisation type."""
    numbers = {}
    for v in doc.versions:
        numbers.update({k: n for k, n in v.point_numbers.items()})
    if not numbers:
        return None
    org = next((v.employer.org_type for v in doc.versions if v.employer and v.employer.org_type), None)
    candidates = [p for p in _positions(positions_2020)
                  if all(kind in p.points and p.points[kind].number == n for kind, n in numbers.items())]
    if len(candidates) > 1 and org:
        candidates = [p for p in candidates if p.division.org_type == org] or candidates
    if len(candidates) != 1:
        return None
    pos = candidates[0]
    shown = ", ".join(f"{k} {n}" for k, n in sorted(numbers.items(), key=lambda kv: kv[1]))
    agree = ("agrees with" if org == pos.division.org_type else
             "does not match" if org else "cannot be checked against")
    return PositionMatch(pos, "point-numbers", 1.0,
                         f"points {shown} belong to {pos.notation} only; the employer's organisation "
                         f"type ({org or 'unknown'}) {agree} the position's ({pos.division.org_type})")


def regulation_duties(position) -> list[Sentence]:
    point = position.points.get("duties")
    return sentences(point.items, "ru") if point else []


def match_by_duties(doc: VacancyDoc, positions_2020, minimum: float = 0.35) -> PositionMatch | None:
    """The position whose duty sentences align best with the announcement's duties."""
    version = max(doc.versions, key=lambda v: len(v.duties.items) if v.duties else 0)
    if not version.duties:
        return None
    mine = sentences(version.duties.items, version.lang)
    ranked = sorted(((sequence_score(mine, regulation_duties(p)), p) for p in _positions(positions_2020)),
                    key=lambda sp: -sp[0])
    if not ranked or ranked[0][0] < minimum:
        return None
    best_score, best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    pairs = sum(1 for i, j, _ in align(mine, regulation_duties(best)) if i is not None and j is not None)
    return PositionMatch(best, "duty-sequence", round(best_score, 3),
                         f"{pairs} of {len(mine)} duty sentences align in order with the "
                         f"{len(regulation_duties(best))} of {best.notation} (score {best_score:.2f})",
                         f"{second[1].notation} ({second[0]:.2f})" if second else None)


def match_position(doc: VacancyDoc, positions_2020) -> PositionMatch | None:
    """Point numbers plus organisation type first, duty-sequence similarity otherwise."""
    return match_by_points(doc, positions_2020) or match_by_duties(doc, positions_2020)


# --------------------------------------------------------------------------------------------
# the audit
# --------------------------------------------------------------------------------------------

SEVERITY = {
    "requirement-meaning-reversed": "high", "experience-threshold-differs": "high",
    "category-rights-differ": "high", "experience-kind-differs": "medium",
    "experience-level-differs": "medium", "education-path-added": "medium",
    "education-path-removed": "medium", "duty-added": "medium", "duty-removed": "medium",
    "duty-changed": "medium", "duty-moved": "low", "act-missing": "medium", "act-added": "medium",
    "act-name-hybrid": "medium", "knowledge-added": "low", "knowledge-removed": "low",
    "category-chain-differs": "medium", "category-level-missing": "medium",
    "competencies-omitted": "medium", "regulation-anomaly-copied": "info",
}


@dataclass(frozen=True)
class Deviation:
    kind: str
    severity: str
    lang: str                        # the language version it was found in
    comment: str                     # English explanation (the ru/kk texts come from templates)
    vacancy_text: str | None = None
    vacancy_line: int | None = None
    regulation_text: str | None = None
    regulation_line: int | None = None
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class AuditReport:
    file: str
    stem: str
    match: PositionMatch | None
    deviations: list[Deviation] = field(default_factory=list)

    @property
    def position(self):
        return self.match.position if self.match else None

    def of_kind(self, kind: str, lang: str | None = None) -> list[Deviation]:
        return [d for d in self.deviations if d.kind == kind and (lang is None or d.lang == lang)]


def _dev(kind: str, lang: str, comment: str, vac: tuple[str | None, int | None] = (None, None),
         reg: tuple[str | None, int | None] = (None, None), **details: object) -> Deviation:
    return Deviation(kind, SEVERITY.get(kind, "low"), lang, comment, vac[0], vac[1], reg[0], reg[1],
                     tuple((k, str(v)) for k, v in details.items()))


def audit(doc: VacancyDoc, positions_2020, registry=None, match: PositionMatch | None = None
          ) -> AuditReport:
    """Every deviation of each language version from the regulation of the matched position."""
    match = match or match_position(doc, positions_2020)
    report = AuditReport(doc.file, doc.stem, match)
    if match is None:
        return report
    pos = match.position
    for v in doc.versions:
        report.deviations += _duties(v, pos)
        report.deviations += _knowledge(v, pos, registry, positions_2020)
        report.deviations += _requirements(v, pos)
        report.deviations += _levels(v, pos)
        report.deviations += _copied_anomalies(v, pos)
    return report


# -- duties -----------------------------------------------------------------------------------

def _duties(v: VacancyVersion, pos) -> list[Deviation]:
    if not v.duties:
        return []
    mine, theirs = sentences(v.duties.items, v.lang), regulation_duties(pos)
    pairs = align(mine, theirs)
    left = [i for i, j, _ in pairs if j is None]
    right = [j for i, j, _ in pairs if i is None]
    moved: list[tuple[int, int]] = []
    for i in list(left):
        best = max(right, key=lambda j: similarity(mine[i], theirs[j]), default=None)
        if best is not None and similarity(mine[i], theirs[best]) >= 0.45:
            moved.append((i, best))
            left.remove(i)
            right.remove(best)
    out: list[Deviation] = []
    matched = [(i, j) for i, j, _ in pairs if i is not None and j is not None] + moved
    for i, j in sorted(matched):
        a, b = mine[i], theirs[j]
        vac, reg = (a.text, a.line), (b.text, b.line)
        if (i, j) in moved:
            out.append(_dev("duty-moved", v.lang, f"the duty is printed out of the regulation's order "
                            f"(regulation duty {j + 1}, announcement duty {i + 1})", vac, reg))
        if a.lang == b.lang:
            if _norm(a.text) != _norm(b.text) and similarity(a, b) < 0.999:
                out.append(_dev("duty-changed", v.lang, "the duty's wording differs from the regulation",
                                vac, reg))
            continue
        extra, missing = (a.concepts - b.concepts) & SALIENT, (b.concepts - a.concepts) & SALIENT
        if extra or missing:
            out.append(_dev("duty-changed", v.lang,
                            f"the duty concerns {', '.join(sorted(extra)) or 'nobody new'} where the "
                            f"regulation says {', '.join(sorted(missing)) or 'nothing of the kind'}",
                            vac, reg, added=",".join(sorted(extra)), removed=",".join(sorted(missing))))
    for i in left:
        out.append(_dev("duty-added", v.lang, "a duty with no counterpart in the regulation",
                        (mine[i].text, mine[i].line)))
    for j in right:
        out.append(_dev("duty-removed", v.lang, "a duty of the regulation the announcement leaves out",
                        reg=(theirs[j].text, theirs[j].line)))
    return out


def _norm(text: str) -> str:
    text = text.replace("«", '"').replace("»", '"').replace("–", "-").lower()
    return re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", text)).strip(" .;")


# -- knowledge: acts and topics ---------------------------------------------------------------

#: knowledge topics (not acts) and how each language names them
TOPICS: dict[str, tuple[str, str]] = {
    "age psychology": (r"возрастн\w*\s+(?:и\s+\w+\s+)?психолог", r"жас\s+(?:және\s+\w+\s+)?психолог"),
    "special psychology": (r"специальн\w*\s+психолог", r"арнайы\s+психолог"),
    "psychodiagnostics": (r"психодиагност", r"психодиагност"),
    "prevention and correction of behaviour": (r"коррекци\w*\s+поведени|поведени\w*\s+.{0,30}коррекц",
                                               r"мінез-құлқ\w*\s+.{0,30}түзету"),
    "innovative technologies": (r"инновационн\w*\s+(?:\S+\s+)?технолог", r"инновациялық\s+(?:\S+\s+)?технолог"),
    "interactive methods": (r"интерактивн", r"интерактивті"),
    "pedagogical ethics": (r"педагогическ\w*\s+этик", r"педагогикалық\s+этика"),
    "labour legislation": (r"законодательств\w*\s+о\s+труде|трудов\w*\s+законодательств",
                           r"еңбек\s+заңнама"),
    "basics of pedagogy and psychology": (r"основ\w*\s+педагогики\s+и\s+психологии",
                                          r"педагогика\s+және\s+психология\s+негіз"),
    "occupational safety rules": (r"охран\w*\s+труда|безопасности\s+и\s+охран",
                                  r"еңбекті\s+қорғау|еңбек\s+қауіпсіздігі"),
    "fire safety": (r"пожарн", r"өрт"),
    "sanitary rules": (r"санитарн", r"санитар"),
    "methodological recommendations": (r"методическ\w*\s+рекомендац", r"әдістемелік\s+ұсыным"),
    "internal labour regulations": (r"внутренн\w*\s+трудов\w*\s+распоряд", r"ішкі\s+еңбек\s+тәртіб"),
    "methods of upbringing": (r"методик\w*\s+воспитательн", r"тәрбие\s+жұмысының\s+әдістеме"),
    "modern pedagogical technologies": (r"современн\w*\s+педагогическ\w*\s+технолог",
                                        r"заманауи\s+педагогикалық\s+технолог"),
    "competence approach": (r"компетентностн", r"құзыреттілік\s+тәсіл"),
    "conflict resolution": (r"конфликтн", r"жанжал"),
    "state, sectoral and regional acts": (r"отраслев\w*\s+и\s+региональн", r"салалық\s+және\s+өңірлік"),
}

#: act names a language version prints that mix two different acts' names
HYBRID_NAMES = [
    (r"жемқорлыққа\s+қарсы\s+күрес", "«Сыбайлас жемқорлыққа қарсы күрес туралы» mixes «Сыбайлас "
     "жемқорлыққа қарсы іс-қимыл туралы» (О противодействии коррупции, 2015) with «Сыбайлас "
     "жемқорлықпен күрес туралы» (О борьбе с коррупцией), two different acts"),
    (r"противодействи\w*\s+борьб|борьб\w*\s+с\s+противодейств", "mixes «О противодействии коррупции» "
     "with «О борьбе с коррупцией»"),
]


def _law_text(items: list[TextItem]) -> TextItem | None:
    """The item of a knowledge list that names the acts (it holds the Constitution)."""
    return next((it for it in items if re.search(r"Конституци", it.text)), items[0] if items else None)


def _topics(text: str, lang: str) -> set[str]:
    k = 0 if lang == "ru" else 1
    return {name for name, pats in TOPICS.items() if re.search(pats[k], text, re.IGNORECASE)}


def _act_label(registry, key: str, lang: str) -> str:
    try:
        entry = registry.get(key)
        return entry.name(lang) or entry.name("ru") or key
    except Exception:  # noqa: BLE001 - a key the registry does not know is shown as is
        return key


def _knowledge(v: VacancyVersion, pos, registry, positions_2020) -> list[Deviation]:
    out: list[Deviation] = []
    point = pos.points.get("knowledge")
    if not v.knowledge or point is None:
        return out
    mine_law, reg_law = _law_text(v.knowledge.items), _law_text(list(point.items))
    if registry is not None and mine_law and reg_law:
        mine = {m.key: m for m in registry.match(mine_law.text, lang=v.lang)}
        theirs = {m.key: m for m in registry.match(reg_law.text, lang="ru")}
        for key in [k for k in theirs if k not in mine]:
            out.append(_dev("act-missing", v.lang, f"the regulation asks knowledge of "
                            f"{_act_label(registry, key, 'en')} ({key}); the announcement omits it",
                            (mine_law.text, mine_law.line), (reg_law.text, reg_law.line), act=key))
        for key in [k for k in mine if k not in theirs]:
            out.append(_dev("act-added", v.lang, f"the announcement names {_act_label(registry, key, 'en')} "
                            f"({key}), which the regulation's list for this position does not",
                            (mine[key].evidence, mine_law.line), (reg_law.text, reg_law.line), act=key))
    if mine_law:
        for pattern, why in HYBRID_NAMES:
            m = re.search(pattern, mine_law.text, re.IGNORECASE)
            if m:
                out.append(_dev("act-name-hybrid", v.lang, why, (m.group(0), _line_in(mine_law, m.group(0))),
                                (reg_law.text, reg_law.line) if reg_law else (None, None)))
    reg_text = " ".join(it.text for it in point.items)
    reg_topics = _topics(reg_text, "ru")
    everywhere = " ".join(it.text for p in _positions(positions_2020)
                          for it in (p.points["knowledge"].items if "knowledge" in p.points else ()))
    seen: set[str] = set()
    for item in v.knowledge.items:
        for topic in sorted(_topics(item.text, v.lang) - reg_topics - seen):
            seen.add(topic)
            nowhere = not re.search(TOPICS[topic][0], everywhere, re.IGNORECASE)
            out.append(_dev("knowledge-added", v.lang,
                            f"knowledge of {topic} is asked, which the regulation does not ask of this "
                            f"position" + ("; no position of the 2020 text asks it" if nowhere else ""),
                            (item.text, item.line), (reg_text, point.header_line), topic=topic,
                            in_no_position=nowhere))
    mine_topics = set().union(*(_topics(it.text, v.lang) for it in v.knowledge.items))
    for topic in sorted(reg_topics - mine_topics):
        out.append(_dev("knowledge-removed", v.lang, f"the regulation asks knowledge of {topic}; the "
                        f"announcement omits it", reg=(reg_text, point.header_line), topic=topic))
    return out


def _line_in(item: TextItem, fragment: str) -> int:
    """The physical line of a fragment inside an item's raw lines (whitespace-insensitive)."""
    words = fragment.split()
    for k, line in enumerate(item.raw.split("\n")):
        if words and words[0] in line and (len(words) == 1 or words[1] in line or k == len(item.raw.split("\n")) - 1):
            return item.line + k
    return item.line


# -- requirements -----------------------------------------------------------------------------

def _regulation_requirements(pos):
    from loaders.requirements_ru import parse_qualification  # noqa: PLC0415
    point = pos.points.get("qualification")
    return parse_qualification(list(point.items)) if point else None


def _years(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _requirements(v: VacancyVersion, pos) -> list[Deviation]:
    out: list[Deviation] = []
    reg = _regulation_requirements(pos)
    if reg is None or v.qualification is None:
        return out
    line0 = pos.points["qualification"].header_line
    reg_by_cat: dict[str | None, list] = {}
    for rule in reg.experience:
        if rule.min_years is not None and rule.condition is None:
            reg_by_cat.setdefault(rule.category, []).append(rule)
    reg_base = Decimal(0) if reg.no_experience_required and None not in reg_by_cat else \
        min((Decimal(r.min_years) for r in reg_by_cat.get(None, [])), default=None)
    mine_by_cat: dict[str | None, list] = {}
    for claim in v.experience:
        mine_by_cat.setdefault(claim.category, []).append(claim)
    mine_base = min((c.min_years for c in mine_by_cat.get(None, [])), default=None)
    grouped: dict[tuple, list] = {}
    if mine_base is not None and reg_base is not None and mine_base != reg_base:
        c, r = mine_by_cat[None][0], (reg_by_cat.get(None) or [None])[0]
        out.append(_dev("experience-threshold-differs", v.lang,
                        f"base requirement: the announcement asks {_years(mine_base)} years "
                        f"({'none' if mine_base == 0 else 'minimum'}), the regulation {_years(reg_base)}",
                        (c.text, c.line), (r.raw, r.line) if r else (None, line0),
                        category="base", vacancy_years=_years(mine_base), regulation_years=_years(reg_base)))
    for cat in [c for c in ("pedagog", "moderator", "expert", "researcher", "master")]:
        mine, theirs = mine_by_cat.get(cat), reg_by_cat.get(cat)
        if not mine and not theirs:
            continue
        if mine and theirs:
            a, b = min(c.min_years for c in mine), min(Decimal(r.min_years) for r in theirs)
            ca, rb = mine[0], theirs[0]
            if a != b:
                out.append(_dev("experience-threshold-differs", v.lang,
                                f"{cat}: the announcement asks {_years(a)} years, the regulation {_years(b)}",
                                (ca.text, ca.line), (rb.raw, rb.line), category=cat,
                                vacancy_years=_years(a), regulation_years=_years(b)))
            if ca.kind and rb.kind and ca.kind != rb.kind and "any" not in (ca.kind, rb.kind):
                grouped.setdefault(("experience-kind-differs", ca.line, ca.kind, rb.kind),
                                   [ca, rb, []])[2].append(cat)
            la = "/".join(sorted(ca.education_levels))
            lb = "/".join(sorted(rb.education_levels or ((rb.education_level,) if rb.education_level else ())))
            if la and lb and la != lb:
                grouped.setdefault(("experience-level-differs", ca.line, la, lb), [ca, rb, []])[2].append(cat)
        elif theirs:
            out.append(_dev("experience-threshold-differs", v.lang, f"{cat}: the regulation asks "
                            f"{_years(theirs[0].min_years)} years; the announcement states no threshold",
                            reg=(theirs[0].raw, theirs[0].line), category=cat))
        else:
            out.append(_dev("experience-threshold-differs", v.lang, f"{cat}: the announcement asks "
                            f"{_years(mine[0].min_years)} years; the regulation states no threshold",
                            (mine[0].text, mine[0].line), category=cat))
    for (kind, _, mine_v, reg_v), (ca, rb, cats) in grouped.items():
        what = "counts {} experience, the regulation {} experience" if kind == "experience-kind-differs" \
            else "applies the thresholds to qualification level(s) {}, the regulation to {}"
        out.append(_dev(kind, v.lang, f"{', '.join(cats)}: the announcement " + what.format(mine_v, reg_v),
                        (ca.text, ca.line), (rb.raw, rb.line), categories=",".join(cats),
                        vacancy_value=mine_v, regulation_value=reg_v))
    out += _education(v, reg, line0)
    return out


def _education(v: VacancyVersion, reg, line0: int) -> list[Deviation]:
    out: list[Deviation] = []
    reg_paths = [p for p in reg.education if not p.additional]
    reg_levels = {p.level for p in reg.education}
    for claim in v.education:
        base = [lv for lv in claim.levels if lv != "course-certificate"] or list(claim.levels)
        same = [p for p in reg_paths if p.level in base]
        siblings = [c for c in v.education if c is not claim and set(c.levels) & set(base)]
        if claim.pedagogical is not None and same and \
                all(p.pedagogical != claim.pedagogical for p in same if p.pedagogical is not None) and \
                any(p.pedagogical is not None for p in same) and \
                not any(c.pedagogical == (not claim.pedagogical) for c in siblings):
            other = next(p for p in same if p.pedagogical is not None)
            out.append(_dev("requirement-meaning-reversed", v.lang,
                            "the announcement's path is " + ("pedagogical" if claim.pedagogical else
                                                             "non-pedagogical") +
                            " where the regulation's same path is " +
                            ("pedagogical" if other.pedagogical else "non-pedagogical"),
                            (claim.text, claim.line), (other.raw, other.line)))
        if claim.assigned_category or claim.grants_category_rights is not None:
            denied = [p for p in reg.education if p.grants_category_rights is False]
            if claim.assigned_category and denied:
                out.append(_dev("category-rights-differ", v.lang,
                                f"the announcement gives this path the category «{claim.assigned_category}» "
                                f"where the regulation says the candidate claims no category",
                                (claim.text, claim.line), (denied[0].raw, denied[0].line)))
        if claim.pedagogical is False and same and all(p.pedagogical for p in same) and \
                any(c.pedagogical for c in siblings):
            out.append(_dev("education-path-added", v.lang,
                            "the announcement also accepts non-pedagogical education at a level where the "
                            "regulation asks pedagogical education only", (claim.text, claim.line),
                            (same[0].raw, same[0].line), level=",".join(base)))
        for level in base:
            if level not in reg_levels:
                out.append(_dev("education-path-added", v.lang,
                                f"the announcement accepts {level} education, which the regulation's "
                                f"requirements for this position do not", (claim.text, claim.line),
                                (None, line0), level=level))
    mine_levels = {lv for c in v.education for lv in c.levels}
    for p in reg_paths:
        if p.level not in mine_levels:
            out.append(_dev("education-path-removed", v.lang, f"the regulation accepts {p.level} "
                            f"education; the announcement does not mention it", reg=(p.raw, p.line)))
    return out


# -- categories -------------------------------------------------------------------------------

def _levels(v: VacancyVersion, pos) -> list[Deviation]:
    out: list[Deviation] = []
    reg_levels = list(getattr(pos, "levels", ()))
    if not reg_levels:
        return out
    if not v.levels:
        point = pos.points.get("competencies")
        out.append(_dev("competencies-omitted", v.lang,
                        f"the regulation defines competencies per category (point "
                        f"{point.number if point else '?'}); the announcement prints none",
                        reg=(f"{len(reg_levels)} levels", point.header_line if point else None)))
        return out
    by_number = {lv.number: lv for lv in reg_levels if lv.number is not None}
    for mine in v.levels:
        theirs = by_number.get(mine.number)
        if theirs is None:
            continue
        if mine.category != theirs.category:
            out.append(_dev("category-chain-differs", v.lang,
                            f"level {mine.number} is «{mine.label}» ({mine.category}) in the announcement "
                            f"and «{theirs.label}» ({theirs.category}) in the regulation",
                            (mine.label, mine.line), (theirs.label, theirs.line), level=mine.number))
        if (mine.refers_to or None) != (theirs.refers_to or None) and (mine.refers_to_text or theirs.refers_to_text):
            out.append(_dev("category-chain-differs", v.lang,
                            f"level {mine.number} builds on «{mine.refers_to_text}» "
                            f"({mine.refers_to or 'no category'}) in the announcement and on "
                            f"«{theirs.refers_to_text}» ({theirs.refers_to or 'no category'}) in the regulation",
                            (mine.refers_to_text, mine.line), (theirs.refers_to_text, theirs.line),
                            level=mine.number))
    numbers = {lv.number for lv in v.levels}
    for theirs in reg_levels:
        if theirs.number is not None and theirs.number not in numbers:
            out.append(_dev("category-level-missing", v.lang, f"the regulation's level {theirs.number} "
                            f"«{theirs.label}» is not in the announcement", reg=(theirs.label, theirs.line)))
    return out


# -- the regulation's own anomalies, copied ----------------------------------------------------

def _copied_anomalies(v: VacancyVersion, pos) -> list[Deviation]:
    """Anomalies of the regulation the announcement carries over (they are not the vacancy's
    deviations, but a reader of the announcement inherits them)."""
    out: list[Deviation] = []
    levels = list(getattr(pos, "levels", ()))
    if v.levels and levels:
        cats = [lv.category for lv in levels]
        mine = {lv.number: lv for lv in v.levels}
        for k, lv in enumerate(levels):
            same = mine.get(lv.number)
            if same is None or same.category != lv.category:
                continue
            if lv.category is not None and cats.count(lv.category) > 1 and cats.index(lv.category) != k:
                out.append(_dev("regulation-anomaly-copied", v.lang,
                                f"level {lv.number} is labelled «{lv.label}» a second time (a category "
                                f"label printed where the next category is meant), copied from the regulation",
                                (same.label, same.line), (lv.label, lv.line), anomaly="category-mislabel"))
            if lv.refers_to_text and lv.refers_to is None and same.refers_to is None and same.refers_to_text:
                out.append(_dev("regulation-anomaly-copied", v.lang,
                                f"level {lv.number} builds on «{lv.refers_to_text}», which is not a "
                                f"category; copied from the regulation", (same.refers_to_text, same.line),
                                (lv.refers_to_text, lv.line), anomaly="broken-reference"))
        has_master = any(lv.category == "master" for lv in levels)
        for d in v.documents:
            if not has_master and re.search(r"мастер|шебер", d.text, re.IGNORECASE):
                out.append(_dev("regulation-anomaly-copied", v.lang,
                                "the documents list names the master category, which the regulation "
                                "defines no level for in this position", (d.text, d.line),
                                anomaly="missing-level"))
    if v.lang == "ru":
        out += _copied_typos(v, pos)
    return out


def _copied_typos(v: VacancyVersion, pos) -> list[Deviation]:
    import yaml  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415
    path = Path(__file__).resolve().parents[1] / "data" / "reference" / "typos-ru.yaml"
    if not path.exists():
        return []
    typos = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    reg_items = [it for p in pos.points.values() for it in p.items]
    out = []
    for point in (v.duties, v.knowledge, v.qualification, v.competencies):
        for item in (point.items if point else ()):
            for t in typos:
                if re.search(rf"(?<!\w){re.escape(t['wrong'])}(?!\w)", item.text):
                    reg = next((r for r in reg_items if t["wrong"] in r.text), None)
                    if reg is not None:
                        out.append(_dev("regulation-anomaly-copied", v.lang,
                                        f"«{t['wrong']}» for «{t['right']}», copied from the regulation",
                                        (t["wrong"], _line_in(item, t["wrong"])), (t["wrong"], reg.line),
                                        anomaly="typo"))
    return out


# --------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------

#: kind -> (en, ru, kk) short description
KIND_TEXT: dict[str, tuple[str, str, str]] = {
    "duty-added": ("duty added", "добавлена обязанность", "міндет қосылған"),
    "duty-removed": ("duty left out", "обязанность опущена", "міндет түсіп қалған"),
    "duty-changed": ("duty changed", "обязанность изменена", "міндет өзгертілген"),
    "duty-moved": ("duty out of order", "обязанность переставлена", "міндеттің орны ауысқан"),
    "act-missing": ("act left out", "акт не указан", "акт көрсетілмеген"),
    "act-added": ("act added", "добавлен акт", "акт қосылған"),
    "act-name-hybrid": ("hybrid act name", "смешанное название акта", "актінің аралас атауы"),
    "knowledge-added": ("knowledge added", "добавлено требование к знаниям", "білімге талап қосылған"),
    "knowledge-removed": ("knowledge left out", "требование к знаниям опущено", "білімге талап түсіп қалған"),
    "experience-threshold-differs": ("experience threshold differs", "иной порог стажа",
                                     "өтіл шегі басқаша"),
    "experience-kind-differs": ("kind of experience differs", "иной вид стажа", "өтіл түрі басқаша"),
    "experience-level-differs": ("qualification level of the threshold differs",
                                 "иной уровень квалификации для порога", "шекке біліктілік деңгейі басқаша"),
    "requirement-meaning-reversed": ("requirement reversed", "смысл требования обращён",
                                     "талаптың мағынасы керісінше"),
    "category-rights-differ": ("category rights differ", "иные права на категорию",
                               "санатқа құқық басқаша"),
    "education-path-added": ("education path added", "добавлен путь образования", "білім жолы қосылған"),
    "education-path-removed": ("education path left out", "путь образования опущен",
                               "білім жолы түсіп қалған"),
    "category-chain-differs": ("category chain differs", "иная цепочка категорий",
                               "санаттар тізбегі басқаша"),
    "category-level-missing": ("category level left out", "уровень категории опущен",
                               "санат деңгейі түсіп қалған"),
    "competencies-omitted": ("competencies per category left out", "компетенции по категориям опущены",
                             "санаттар бойынша құзыреттер түсіп қалған"),
    "regulation-anomaly-copied": ("regulation's own anomaly, copied", "ошибка самого приказа, перенесена",
                                  "бұйрықтың өз қатесі, көшірілген"),
}
SEVERITY_TEXT = {"high": ("high", "высокая", "жоғары"), "medium": ("medium", "средняя", "орташа"),
                 "low": ("low", "низкая", "төмен"), "info": ("info", "справка", "анықтама")}
HEAD = {
    "title": ("Audit of {file}", "Проверка {file}", "{file} тексеруі"),
    "position": ("Position: {notation} {title} ({key}), matched by {method}",
                 "Должность: {notation} {title} ({key}), сопоставлено по: {method}",
                 "Лауазым: {notation} {title} ({key}), сәйкестендіру тәсілі: {method}"),
    "none": ("No position of the 2020 regulation matches this announcement.",
             "Ни одна должность приказа 2020 года не соответствует объявлению.",
             "Хабарландыру 2020 жылғы бұйрықтың ешбір лауазымына сәйкес келмейді."),
    "version": ("Language version {lang} (lines {a}-{b}): {n} deviation(s)",
                "Языковая версия {lang} (строки {a}-{b}): отклонений: {n}",
                "{lang} тіліндегі нұсқа ({a}-{b} жолдар): ауытқулар саны: {n}"),
    "vacancy": ("announcement", "объявление", "хабарландыру"),
    "regulation": ("regulation", "приказ", "бұйрық"),
    "line": ("l.", "стр.", "жол"),
}
_LANG_INDEX = {"en": 0, "ru": 1, "kk": 2}


def render_audit(report: AuditReport, lang: str = "en", doc: VacancyDoc | None = None) -> str:
    """A plain-text report in English, Russian or Kazakh (explanations in detail: English)."""
    if lang not in _LANG_INDEX:
        raise ValueError(f"unknown language {lang!r}: use ru, kk or en")
    k = _LANG_INDEX[lang]
    out = [HEAD["title"][k].format(file=report.file)]
    if report.match is None:
        out.append(HEAD["none"][k])
        return "\n".join(out) + "\n"
    pos = report.position
    out.append(HEAD["position"][k].format(notation=pos.notation, title=pos.title, key=pos.key,
                                          method=report.match.method))
    out.append(f"  {report.match.evidence}")
    langs = [v.lang for v in doc.versions] if doc else sorted({d.lang for d in report.deviations})
    for vl in langs:
        devs = [d for d in report.deviations if d.lang == vl]
        v = doc.version(vl) if doc else None
        out.append("")
        out.append(HEAD["version"][k].format(lang=vl, a=v.line if v else "?", b=v.end_line if v else "?",
                                             n=len(devs)))
        for n, d in enumerate(devs, start=1):
            label = KIND_TEXT.get(d.kind, (d.kind,) * 3)[k]
            out.append(f"{n:3}. [{SEVERITY_TEXT[d.severity][k]}] {label}")
            if lang == "en" or not d.details:
                out.append(f"     {d.comment}")
            else:
                out.append("     " + "; ".join(f"{a}: {b}" for a, b in d.details))
            if d.vacancy_text:
                out.append(f"     {HEAD['vacancy'][k]} ({HEAD['line'][k]} {d.vacancy_line}): "
                           f"{_short(d.vacancy_text)}")
            if d.regulation_text:
                out.append(f"     {HEAD['regulation'][k]} ({HEAD['line'][k]} {d.regulation_line}): "
                           f"{_short(d.regulation_text)}")
    return "\n".join(out) + "\n"


def _short(text: str, limit: int = 160) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"
