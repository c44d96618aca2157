"""The professional standard «Педагог» (prof-standard-pedagog-2022-kk.txt) as RDF.

Records from :mod:`loaders.prof_standard` → one named graph,
``https://w3id.org/kz-edu/id/graph/prof-standard-pedagog-2022-kk``.  IRIs (all below
``kzid:standard/pedagog-2022``): ``/competence/3``, ``/criterion/3.2``, ``/indicator/3.2.1``,
``/descriptor/3.2/expert``, ``/chapter/1``, ``/card/app4-level-6-7`` with ``/function/<k>``,
``/function/<k>/task/<m>``, ``…/knowledge/<i>``, ``…/skill/<i>`` (k, m, i = 1-based positions,
equal to the printed numbers wherever the printed run is right), ``/listed-function/<i>``,
``/additional-function/<i>``, ``/related-occupation/<i>``, ``/education/<i>``.
Code lists minted here: ``kzcode:nk-rk-01-2017/<code>`` (НК РК 01-2017 codes, never ISCO digits) and
``kzcode:sbsh-level/<level>`` (6.1, 6.2 narrower than 6).  Every node carries ``kzo:sourceFile``,
``kzo:sourceLine`` and ``prov:wasDerivedFrom``; labels are Kazakh (``@kk``) only, notes English.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from loaders.base import LoaderWarning, LoadResult, SourceError
from loaders.text_join import read_source_lines
from loaders.namespaces import ELI, KZCODE, KZID, KZO, PREFIXES, SCHEMA, graph_iri
from loaders.prof_standard import SOURCE_FILE, parse
from loaders.prof_standard_records import Card, ProfStandard

STEM = "prof-standard-pedagog-2022-kk"
GRAPH_IRI = URIRef(graph_iri(STEM))
STANDARD = URIRef(f"{KZID}standard/pedagog-2022")
SOURCE_DOC = URIRef(f"{KZID}source/{STEM}")
NK_SCHEME = URIRef(f"{KZCODE}nk-rk-01-2017")
SBSH_SCHEME = URIRef(f"{KZCODE}sbsh-level")
POSITION_2020 = f"{KZID}position/tqc-2020/"
REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
NOTES_YAML = REFERENCE / "notes-prof-standard.yaml"
MAPPING_CSV = REFERENCE / "cards-to-positions-2020.csv"
MAPPINGS = {"skos:closeMatch": SKOS.closeMatch, "skos:broadMatch": SKOS.broadMatch,
            "skos:narrowMatch": SKOS.narrowMatch, "skos:relatedMatch": SKOS.relatedMatch}
#: keys, in the legal-acts registry (data/reference/legal-acts.yaml), of the acts the order names
ACT_KEYS = {"order": "order-500-2022", "repealed": "order-373-2013", "basis": "code-trudovoi"}
CITATION_RE = re.compile(r"(\d{4})\s+жылғы\s+\d{1,2}\s+\S+?\s*№\s*(\d+)")


def kk(text: str) -> Literal:
    return Literal(text, lang="kk")


class _Builder:
    def __init__(self, doc: ProfStandard, registry) -> None:
        self.doc = doc
        self.registry = registry
        self.acts = {k: URIRef(registry.get(key).iri) for k, key in ACT_KEYS.items()}
        self.g = Graph(identifier=GRAPH_IRI)
        for p, ns in PREFIXES.items():
            self.g.bind(p, ns)
        self.texts: list[tuple[URIRef, int, str]] = []   # (node, line, text) for note resolution
        self.note_ids: Counter[str] = Counter()
        self.concepts: dict[str, dict] = {}               # НК РК code -> {line, titles}
        self.warnings: list[LoaderWarning] = list(doc.warnings)

    # -- helpers ------------------------------------------------------------------------------

    def node(self, iri: URIRef, cls: URIRef | None, line: int, end: int | None = None) -> URIRef:
        g = self.g
        if cls is not None:
            g.add((iri, RDF.type, cls))
        g.add((iri, KZO.sourceFile, Literal(SOURCE_FILE)))
        g.add((iri, KZO.sourceLine, Literal(line, datatype=XSD.integer)))
        if end and end != line:
            g.add((iri, KZO.sourceEndLine, Literal(end, datatype=XSD.integer)))
        g.add((iri, PROV.wasDerivedFrom, SOURCE_DOC))
        return iri

    def text_node(self, iri: URIRef, cls: URIRef, line: int, text: str, position: int | None = None) -> URIRef:
        self.node(iri, cls, line)
        self.g.add((iri, RDF.value, kk(text)))
        if position is not None:
            self.g.add((iri, SCHEMA.position, Literal(position, datatype=XSD.integer)))
        self.texts.append((iri, line, text))
        return iri

    def about(self, path: str) -> URIRef:
        if path == "order":
            return self.acts["order"]
        return URIRef(f"{STANDARD}/{path}") if path else STANDARD

    def note(self, about: URIRef, line: int, kind: str, comment: str, quoted: str = "") -> URIRef:
        base = f"L{line}-{kind}"
        self.note_ids[base] += 1
        k = self.note_ids[base]
        iri = URIRef(f"{KZID}note/{STEM}/{base}" + (f"-{k}" if k > 1 else ""))
        self.node(iri, KZO.DataQualityNote, line)
        self.g.add((iri, KZO.about, about))
        self.g.add((iri, RDFS.comment, Literal(comment, lang="en")))
        self.g.add((iri, KZO.noteKind, URIRef(f"{KZCODE}note-kind/{kind}")))
        if quoted:
            self.g.add((iri, KZO.quotedText, Literal(quoted)))
        return iri

    # -- the standard, the order, the chapters -------------------------------------------------

    def standard(self) -> None:
        d, g = self.doc, self.g
        o = d.order
        self.node(SOURCE_DOC, KZO.SourceDocument, 1, d.line_count)
        self.node(STANDARD, KZO.ProfessionalStandard, o.title_line)
        g.add((STANDARD, SKOS.prefLabel, kk(o.title)))
        # the acts' names, dates and numbers are the registry's (reference graph); here: what this
        # source says about them, with provenance, checked against the registry
        self.check_act("order", o.number, o.date.isoformat(), o.line)
        self.check_act("repealed", o.repeals_number, o.repeals_date.isoformat(), o.repeals_line,
                       o.repeals_registration)
        order = self.node(self.acts["order"], KZO.LegalAct, o.line)
        g.add((STANDARD, KZO.approvedBy, order))
        code = self.node(self.acts["basis"], KZO.LegalAct, o.basis_line)
        g.add((order, ELI.based_on, code))
        g.add((order, KZO.legalBasisArticle, Literal(o.basis_article)))
        g.add((order, KZO.legalBasisPoint, Literal(o.basis_point)))
        old = self.node(self.acts["repealed"], KZO.LegalAct, o.repeals_line)
        g.add((order, ELI.repeals, old))
        for ch in d.chapters:
            iri = self.node(URIRef(f"{STANDARD}/chapter/{ch.number}"), KZO.DocumentDivision, ch.line)
            g.add((iri, SKOS.prefLabel, kk(ch.title)))
            g.add((iri, SKOS.notation, Literal(str(ch.number))))
            g.add((iri, DCTERMS.isPartOf, STANDARD))
            self.texts.append((iri, ch.line, ch.title))

    def check_act(self, role: str, number: str, date: str, line: int, registration: str | None = None) -> None:
        e = self.registry.get(ACT_KEYS[role])
        if (e.number, e.date) != (number, date) or (registration and e.registration != registration):
            self.warnings.append(LoaderWarning(SOURCE_FILE, line, "act-mismatch",
                                               f"the text gives № {number} of {date}"
                                               + (f" (reg. № {registration})" if registration else "")
                                               + f", the registry's '{e.key}' № {e.number} of {e.date}"))

    def citations(self, item: URIRef, text: str, line: int) -> None:
        for m in CITATION_RE.finditer(text):
            hits = [e for e in self.registry if e.number == m.group(2) and (e.date or "").startswith(m.group(1))]
            if len(hits) == 1:
                act = URIRef(hits[0].iri)
                self.g.add((item, DCTERMS.references, act))
                if (act, KZO.sourceLine, None) not in self.g:
                    self.node(act, KZO.LegalAct, line)
            else:
                self.warnings.append(LoaderWarning(SOURCE_FILE, line, "unknown-act",
                                                   f"cited act № {m.group(2)} of {m.group(1)} is not in the registry"))

    # -- App. 1 and App. 2 ----------------------------------------------------------------------

    def framework(self) -> None:
        g = self.g
        crit_iri: dict[str, URIRef] = {}
        crit_title: dict[str, str] = {}
        for c in self.doc.competences:
            ci = self.node(URIRef(f"{STANDARD}/competence/{c.key}"), KZO.Competence, c.line)
            g.add((ci, SKOS.notation, Literal(c.key)))
            g.add((ci, SKOS.prefLabel, kk(c.title)))
            if c.description:
                g.add((ci, SKOS.definition, kk(c.description)))
            g.add((ci, KZO.rawText, Literal(c.raw)))
            g.add((ci, DCTERMS.isPartOf, STANDARD))
            g.add((ci, SCHEMA.position, Literal(int(c.key), datatype=XSD.integer)))
            self.texts.append((ci, c.line, c.raw))
            for cr in c.criteria:
                ri = self.node(URIRef(f"{STANDARD}/criterion/{cr.code}"), KZO.CompetencyCriterion, cr.line)
                crit_iri[cr.code], crit_title[cr.code] = ri, cr.title
                g.add((ci, KZO.hasCriterion, ri))
                g.add((ri, SKOS.notation, Literal(cr.code)))
                g.add((ri, SKOS.prefLabel, kk(cr.title)))
                self.texts.append((ri, cr.line, cr.title))
                for ind in cr.indicators:
                    ii = self.text_node(URIRef(f"{STANDARD}/indicator/{ind.code}"), KZO.CompetencyIndicator,
                                        ind.line, ind.text)
                    g.add((ri, KZO.hasIndicator, ii))
                    g.add((ii, SKOS.notation, Literal(ind.code)))
                    if ind.cefr_level:
                        g.add((ii, KZO.cefrLevel, Literal(ind.cefr_level)))
        t = self.doc.categories
        for grp in t.groups:
            g.add((URIRef(f"{STANDARD}/competence/{grp.key}"), SKOS.altLabel, kk(grp.text)))
        app2 = [(code, title, m.line) for m in t.merged for code, title in m.items]
        app2 += [(r.code, r.title, r.line) for r in t.rows]
        for code, title, line in app2:
            if code not in crit_iri:
                raise SourceError(SOURCE_FILE, line, f"App. 2 names criterion {code}, which App. 1 does not define")
            if _norm(title) != _norm(crit_title[code]):
                g.add((crit_iri[code], SKOS.altLabel, kk(title)))
                self.note(crit_iri[code], line, "glitch", f"criterion {code} is named differently in App. 1 "
                          f"('{crit_title[code]}') and App. 2", title)
        for r in t.rows:
            for d in r.descriptors:
                di = self.text_node(URIRef(f"{STANDARD}/descriptor/{r.code}/{d.category}"), KZO.CategoryDescriptor,
                                    d.line, d.text)
                g.add((di, KZO.criterion, crit_iri[r.code]))
                g.add((di, KZO.category, URIRef(f"{KZCODE}category/{d.category}")))
                g.add((di, DCTERMS.isPartOf, STANDARD))

    # -- code lists -------------------------------------------------------------------------------

    def occupation(self, code: str, line: int, title: str | None = None) -> URIRef:
        entry = self.concepts.setdefault(code, {"line": line, "titles": Counter()})
        entry["line"] = min(entry["line"], line)
        if title:
            entry["titles"][re.sub(r"\s*[–—-]\s*\d+(?:\.\d+)?\s*деңгей\s*$", "", title)] += 1
        return URIRef(f"{NK_SCHEME}/{code}")

    def code_lists(self) -> None:
        g = self.g
        first = min(v["line"] for v in self.concepts.values())
        self.node(NK_SCHEME, SKOS.ConceptScheme, first)
        g.add((NK_SCHEME, SKOS.notation, Literal("НК РК 01-2017")))
        for code, v in sorted(self.concepts.items()):
            iri = self.node(URIRef(f"{NK_SCHEME}/{code}"), SKOS.Concept, v["line"])
            g.add((iri, SKOS.inScheme, NK_SCHEME))
            g.add((iri, SKOS.notation, Literal(code)))
            titles = [t for t, _ in sorted(v["titles"].items(), key=lambda kv: (-kv[1], kv[0]))]
            if titles:
                g.add((iri, SKOS.prefLabel, kk(titles[0])))
                for t in titles[1:]:
                    g.add((iri, SKOS.altLabel, kk(t)))
            parent = _nk_parent(code, set(self.concepts))
            if parent:
                g.add((iri, SKOS.broader, URIRef(f"{NK_SCHEME}/{parent}")))
            else:
                g.add((iri, SKOS.topConceptOf, NK_SCHEME))
        levels: dict[str, int] = {}
        for c in self.doc.cards:
            for lv in _card_levels(c.level):
                levels.setdefault(lv, c.level_line)
        for lv in list(levels):
            if "." in lv:
                levels.setdefault(lv.split(".")[0], levels[lv])
        first = min(levels.values())
        self.node(SBSH_SCHEME, SKOS.ConceptScheme, first)
        g.add((SBSH_SCHEME, SKOS.prefLabel, kk("салалық біліктілік шеңбері")))
        g.add((SBSH_SCHEME, SKOS.notation, Literal("СБШ")))
        for lv, line in sorted(levels.items()):
            iri = self.node(URIRef(f"{SBSH_SCHEME}/{lv}"), SKOS.Concept, line)
            g.add((iri, SKOS.inScheme, SBSH_SCHEME))
            g.add((iri, SKOS.notation, Literal(lv)))
            g.add((iri, SKOS.prefLabel, kk(f"СБШ бойынша {lv} деңгей")))
            if "." in lv:
                g.add((iri, SKOS.broader, URIRef(f"{SBSH_SCHEME}/{lv.split('.')[0]}")))
            else:
                g.add((iri, SKOS.topConceptOf, SBSH_SCHEME))
                g.add((iri, SCHEMA.position, Literal(int(lv), datatype=XSD.integer)))

    # -- cards ------------------------------------------------------------------------------------

    def cards(self, code_rules: dict[str, dict]) -> None:
        for card in self.doc.cards:
            self.card(card, code_rules)

    def card(self, c: Card, code_rules: dict[str, dict]) -> None:
        g = self.g
        ci = self.node(URIRef(f"{STANDARD}/card/{c.key}"), KZO.ProfessionCard, c.line, c.end_line)
        g.add((ci, DCTERMS.isPartOf, STANDARD))
        g.add((ci, SKOS.prefLabel, kk(c.title)))
        g.add((ci, SKOS.notation, Literal(c.key)))
        g.add((ci, KZO.appendixNumber, Literal(c.appendix, datatype=XSD.integer)))
        self.texts.append((ci, c.line, c.title))
        g.add((ci, KZO.professionName, kk(c.profession)))
        for a in c.aliases:
            g.add((ci, SKOS.altLabel, kk(a)))
        specific = self.codes(ci, c.group_code, c.group_code_line, code_rules)
        for code in specific:
            g.add((ci, KZO.occupationCode, Literal(code)))
            g.add((ci, KZO.occupation, self.occupation(code, c.group_code_line,
                                                       c.title if len(specific) == 1 else None)))
        for code in self.codes(ci, c.code, c.code_line, code_rules):
            g.add((ci, KZO.occupationGroup, self.occupation(code, c.code_line)))
        g.add((ci, KZO.qualificationLevel, Literal(c.level)))
        for lv in _card_levels(c.level):
            g.add((ci, KZO.sbshLevel, URIRef(f"{SBSH_SCHEME}/{lv}")))
        g.add((ci, KZO.mainPurpose, kk(c.purpose)))
        g.add((ci, KZO.personalCompetences, kk(c.personal)))
        self.texts += [(ci, c.purpose_line, c.purpose), (ci, c.personal_line, c.personal),
                       (ci, c.education_line, c.education_levels), (ci, c.profession_line, c.profession)]
        for i, it in enumerate(c.main_functions, 1):
            g.add((ci, KZO.listsFunction, self.text_node(URIRef(f"{ci}/listed-function/{i}"), KZO.ListedFunction,
                                                         it.line, it.text, i)))
        for i, it in enumerate(c.additional_functions, 1):
            g.add((ci, KZO.hasAdditionalFunction,
                   self.text_node(URIRef(f"{ci}/additional-function/{i}"), KZO.AdditionalFunction, it.line, it.text, i)))
        for k, fn in enumerate(c.functions, 1):
            fi = self.text_node(URIRef(f"{ci}/function/{k}"), KZO.LabourFunction, fn.line, fn.title, k)
            g.add((ci, KZO.hasLabourFunction, fi))
            g.add((fi, SKOS.notation, Literal(str(fn.number))))
            g.add((fi, KZO.rawText, Literal(fn.raw)))
            for m, t in enumerate(fn.tasks, 1):
                ti = self.text_node(URIRef(f"{fi}/task/{m}"), KZO.Task, t.line, t.title, m)
                g.add((fi, KZO.hasTask, ti))
                for i, it in enumerate(t.knowledge, 1):
                    ki = self.text_node(URIRef(f"{ti}/knowledge/{i}"), KZO.KnowledgeItem, it.line, it.text, i)
                    g.add((ti, KZO.requiresKnowledge, ki))
                    self.citations(ki, it.text, it.line)
                for i, it in enumerate(t.skills, 1):
                    g.add((ti, KZO.requiresSkill,
                           self.text_node(URIRef(f"{ti}/skill/{i}"), KZO.SkillItem, it.line, it.text, i)))
        for i, r in enumerate(c.related, 1):
            ri = self.text_node(URIRef(f"{ci}/related-occupation/{i}"), KZO.RelatedOccupation, r.line, r.title, i)
            g.add((ci, KZO.hasRelatedOccupation, ri))
            for code in self.codes(ri, r.printed, r.line, code_rules):
                g.add((ri, KZO.occupation, self.occupation(code, r.line, r.title)))
        if c.education_levels:
            g.add((ci, KZO.educationRequirementText, kk(c.education_levels)))
            for slug in _education_levels(c.education_levels):
                g.add((ci, KZO.acceptsEducation, URIRef(f"{KZCODE}education/{slug}")))
        for text in c.education_free_text:
            g.add((ci, KZO.educationNote, kk(text)))
        for i, e in enumerate(c.education, 1):
            ei = self.text_node(URIRef(f"{ci}/education/{i}"), KZO.EducationReference, e.line, e.title, i)
            g.add((ci, KZO.hasEducationReference, ei))
            g.add((ei, SKOS.notation, Literal(e.code)))
            g.add((ei, KZO.educationCodeFamily, Literal(e.family)))
            if e.printed != e.code:
                g.add((ei, KZO.rawText, Literal(e.printed)))

    def codes(self, about: URIRef, printed: str, line: int, rules: dict[str, dict]) -> list[str]:
        """The НК РК codes a printed code stands for; notes its defects."""
        rule = rules.get(printed)
        norm = re.sub(r"\s+", "", printed.replace("–", "-").replace("—", "-"))
        if rule:
            self.note(about, line, rule["kind"], rule["comment"], printed)
            return list(rule.get("meant") or [norm])
        if printed != norm:
            self.note(about, line, "glitch", f"code printed with a dash or spaces: {printed!r} (read as {norm})",
                      printed)
        return [norm]

    # -- mappings and notes -----------------------------------------------------------------------

    def mappings(self, path: Path) -> None:
        keys = {c.key for c in self.doc.cards}
        with open(path, encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), 2):
                if row["card"] not in keys:
                    raise SourceError(path, n, f"unknown card key {row['card']!r}")
                if row["mapping"] not in MAPPINGS:
                    raise SourceError(path, n, f"mapping must be one of {sorted(MAPPINGS)}, not {row['mapping']!r}")
                if not re.fullmatch(r"(ch\d+|s\d+)-p\d+", row["position"]) or not row["justification"].strip():
                    raise SourceError(path, n, "expected a 2020 position key like 'ch2-p4' or 's2-p7' and a "
                                      "justification")
                self.g.add((URIRef(f"{STANDARD}/card/{row['card']}"), MAPPINGS[row["mapping"]],
                            URIRef(POSITION_2020 + row["position"])))

    def parser_notes(self) -> None:
        for n in self.doc.notes:
            self.note(self.about(n.about), n.line, n.kind, n.comment, n.quoted)

    def reviewed_notes(self, entries: list[dict], lines: list[str]) -> None:
        for e in entries:
            q = e["quoted"]
            wanted = ([i for i, l in enumerate(lines, 1) if q in l] if e["lines"] == "all" else e["lines"])
            if not wanted:
                self.warnings.append(LoaderWarning(SOURCE_FILE, None, "note-not-found",
                                                   f"reviewed note text {q!r} occurs nowhere"))
            for ln in wanted:
                if ln > len(lines) or q not in lines[ln - 1]:
                    self.warnings.append(LoaderWarning(SOURCE_FILE, ln, "note-not-found",
                                                       f"reviewed note text {q!r} is not on this line"))
                    continue
                self.note(self.resolve(ln, q), ln, e["kind"], e["comment"], q)

    def resolve(self, line: int, quoted: str) -> URIRef:
        hits = [iri for iri, ln, text in self.texts if ln == line and quoted in text]
        if hits:
            return hits[-1]
        if line < self.doc.chapters[0].line:
            return self.acts["order"]
        for c in self.doc.cards:
            if c.line <= line <= c.end_line:
                return URIRef(f"{STANDARD}/card/{c.key}")
        return STANDARD


def _norm(text: str) -> str:
    return re.sub(r"[\s./]+", " ", text.lower()).strip()


def _card_levels(level: str) -> list[str]:
    m = re.fullmatch(r"(\d+)-(\d+)", level)
    return [str(v) for v in range(int(m.group(1)), int(m.group(2)) + 1)] if m else [level]


def _nk_parent(code: str, known: set[str]) -> str | None:
    """Nearest НК РК ancestor among the known codes (2379-9-007 → 2379-9 → 2379 → 237 → 23 → 2)."""
    parts = code.split("-")
    candidates = []
    if len(parts) > 1:
        candidates += ["-".join(parts[:k]) for k in range(len(parts) - 1, 0, -1)]
    digits = parts[0] if len(parts) > 1 else code[:-1]
    candidates += [digits[:k] for k in range(len(digits), 0, -1)]
    return next((c for c in candidates if c in known and c != code), None)


def _education_levels(text: str) -> list[str]:
    t = text.lower()
    out = []
    if "техникалық және кәсіптік" in t:
        out.append("tvet")
    if re.search(r"жоғары(?!\s+оқу\s+орнынан)", t):
        out.append("higher")
    if "жоғары оқу орнынан кейінгі" in t:
        out.append("postgraduate")
    return out


def load(path: Path, registry=None) -> LoadResult:
    """Load the standard into its named graph.

    ``registry`` is the legal-acts registry (:class:`loaders.acts.Registry`; loaded from
    ``data/reference/legal-acts.yaml`` when not given): the IRIs of the acts the text names.

    :raises SourceError: on a missing structure of the source or a bad reference table row.
    """
    path = Path(path)
    doc = parse(path)
    if registry is None:
        from loaders.acts import Registry
        registry = Registry.load()
    reviewed = yaml.safe_load(NOTES_YAML.read_text(encoding="utf-8"))
    code_rules = {r["printed"]: r for r in reviewed.get("occupation_codes", [])}
    b = _Builder(doc, registry)
    b.standard()
    b.framework()
    b.cards(code_rules)
    b.code_lists()
    b.mappings(MAPPING_CSV)
    b.parser_notes()
    b.reviewed_notes(reviewed.get("notes", []), read_source_lines(path))
    return LoadResult(source_file=SOURCE_FILE, graph=b.g, warnings=b.warnings)
