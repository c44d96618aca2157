"""Modeller of the 2008 characteristics: parsed records (loaders/tqc2008.py) -> RDF.

The graph is the named graph ``kzid:graph/tqc-2008-kk``. IRIs (docs/model.md):

* division   ``kzid:tqc-2008/s<N>``
* position   ``kzid:position/tqc-2008/s<N>-b<k>`` (k = 1-based block order in the section; the repealed
  text never changes, so the order is stable); an add-on role ``<position>/addon/<k>``
* parts      ``<position>/duty/<k>``, ``<position>/knowledge/<k>``, ``<position>/cites/<act-key>``,
  ``<position>/qualification`` (a second requirement label: ``<position>/qualification-2``),
  ``<qualification>/education/<k>``, ``<position>/qualification/experience/<k>``
* editorial note ``kzid:tqc-2008/editorial-note/L<line>``; data-quality notes
  ``kzid:note/tqc-2008-kk/L<line>-<kind>``

Every node carries kzo:sourceFile, kzo:sourceLine (for a position: its first title line) and
kzo:sourceEndLine.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml
from rdflib import RDFS, URIRef
from rdflib.namespace import DCTERMS, SKOS

from loaders.acts import Registry
from loaders.base import LoaderWarning, LoadResult, TextItem
from loaders.namespaces import KZID, KZO, SCHEMA, graph_iri
from loaders.rdf_builder import GraphBuilder
from loaders.sources import regulation_act_key
from loaders.text_join import read_lines
from loaders.tqc2008 import parse
from loaders.tqc2008_records import (SOURCE_FILE, AddOn, Anomaly, Block, Document2008, EditorialNote, Experience,
                                     Requirement)

RDF_VALUE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#value")
#: a law list longer than this is damaged text (the longest real one has about 400 characters)
MAX_LAW_LIST = 5000
GRAPH = graph_iri("tqc-2008-kk")
NOTES_YAML = Path(__file__).resolve().parents[1] / "data" / "reference" / "notes-tqc-2008-kk.yaml"
_NOTES_RU = {
    "copy-paste": "Скопированное требование: текст дословно совпадает с требованием другой должности.",
    "typo": "Вариант написания названия должности (притяжательная форма).",
    "glitch": "Сбой вёрстки или консолидации текста.",
    "ambiguous-rule": "Неоднозначная формулировка требования.",
    "unknown-act": "Акт, которого нет в реестре.",
}


def position_iri(key: str) -> URIRef:
    """``kzid:position/tqc-2008/<key>`` for a block key such as ``s3-b21``."""
    return KZID[f"position/tqc-2008/{key}"]


def load(path: Path, registry: Registry, notes_yaml: Path = NOTES_YAML) -> LoadResult:
    """Parse and model ``tqc-2008-kk.txt``; unknown act names and stale typo notes are warnings.

    :raises SourceError: when the text lacks the structure the parser needs (file and line named).
    """
    doc = parse(path)
    m = _Modeller(GraphBuilder(SOURCE_FILE), registry, doc)
    m.build()
    m.typo_notes(read_lines(path), notes_yaml)
    return LoadResult(SOURCE_FILE, m.b.graph, doc.warnings + m.warnings)


class _Modeller:
    def __init__(self, builder: GraphBuilder, registry: Registry, doc: Document2008) -> None:
        self.b, self.registry, self.doc = builder, registry, doc
        self.regulation = URIRef(registry.get(regulation_act_key(SOURCE_FILE)).iri)
        self.warnings: list[LoaderWarning] = []
        self.spans: list[tuple[int, int, URIRef]] = []     # (line, end_line, node) for note targets
        self.qualifications: dict[tuple[str, int], URIRef] = {}
        self.note_keys: Counter = Counter()

    # -- helpers ----------------------------------------------------------------------------
    def node(self, iri: URIRef, rdf_type: URIRef, line: int, end_line: int | None = None) -> URIRef:
        self.spans.append((line, end_line or line, iri))
        return self.b.node(iri, rdf_type, line, end_line)

    def dq(self, about: URIRef, line: int, kind: str, en: str, quoted: str | None,
           ru: str | None = None) -> URIRef:
        self.note_keys[(line, kind)] += 1
        n = self.note_keys[(line, kind)]
        note = self.b.note(kind if n == 1 else f"{kind}-{n}", about, line, kind, en, quoted)
        self.b.text(note, RDFS.comment, ru or _NOTES_RU.get(kind), "ru")
        return note

    # -- document ---------------------------------------------------------------------------
    def build(self) -> None:
        for s in self.doc.sections:
            iri = KZID[f"tqc-2008/s{s.number}"]
            self.node(iri, KZO.DocumentDivision, s.line, s.end_line)
            self.b.text(iri, SKOS.prefLabel, s.heading, "kk")
            self.b.text(iri, SKOS.notation, str(s.number))
            self.b.add(iri, DCTERMS.isPartOf, self.b.document)
            self.b.code(iri, KZO.organisationType, "org-type", s.org_type)
            for n in s.notes:
                # «Барлық мәтін бойынша …» concerns the whole text, wherever the note is printed
                self.editorial(n, self.b.document)
        for block in self.doc.blocks:
            self.position(block)
        for a in self.doc.anomalies:
            self.anomaly(a)

    def editorial(self, note: EditorialNote, about: URIRef) -> None:
        iri = KZID[f"tqc-2008/editorial-note/L{note.item.line}"]
        self.b.node(iri, KZO.EditorialNote, note.item.line, note.item.end_line)
        self.b.text(iri, RDF_VALUE, note.item.text, "kk")
        self.b.add(iri, KZO.about, about)
        for match in self.registry.match(note.item.text, lang="kk"):
            if self.registry.get(match.key).kind == "order":
                self.b.add(iri, DCTERMS.references, URIRef(match.iri))
        for term in note.replaced_terms:
            self.b.text(iri, KZO.replacedText, term, "kk")
        self.b.text(iri, KZO.replacementText, note.replacement, "kk")

    # -- positions --------------------------------------------------------------------------
    def position(self, block: Block) -> None:
        b = self.b
        iri = position_iri(block.key)
        self.node(iri, KZO.Position, block.line, block.end_line)
        b.text(iri, SKOS.prefLabel, block.title, "kk")
        labels = list(block.titles if len(block.titles) > 1 else ()) + list(block.aliases)
        for label in dict.fromkeys(labels):
            b.text(iri, SKOS.altLabel, label[:1].upper() + label[1:], "kk")
        b.add(iri, KZO.division, KZID[f"tqc-2008/s{block.section}"])
        b.code(iri, KZO.organisationType, "org-type", block.org_type)
        b.add(iri, KZO.definedIn, self.regulation)
        for k, duty in enumerate(block.duties, start=1):
            self.duty(iri, k, duty.item, duty.group)
        self.knowledge(iri, block, block.knowledge)
        for k, area in enumerate(block.areas, start=1):
            a = URIRef(f"{iri}/knowledge/{k}")
            self.node(a, KZO.KnowledgeArea, area.line)
            b.text(a, RDF_VALUE, area.text, "kk")
            b.integer(a, SCHEMA.position, k)
            b.add(iri, KZO.requiresKnowledgeArea, a)
        copies = {a.index for a in self.doc.anomalies if a.block == block.key and a.kind == "copy-paste"}
        counter = Counter()
        for i, req in enumerate(block.requirements):
            self.qualification(iri, block, i, req, counter, copied=i in copies)
        for k, addon in enumerate(block.addons, start=1):
            self.addon(iri, block, k, addon)
        for n in block.notes:
            self.editorial(n, iri)

    def duty(self, parent: URIRef, k: int, item: TextItem, group: str | None) -> None:
        d = URIRef(f"{parent}/duty/{k}")
        self.node(d, KZO.Duty, item.line, item.end_line)
        self.b.text(d, RDF_VALUE, item.text, "kk")
        self.b.integer(d, SCHEMA.position, k)
        self.b.text(d, KZO.dutyGroup, group, "kk")
        self.b.add(parent, KZO.hasDuty, d)

    def knowledge(self, iri: URIRef, block: Block, item: TextItem | None) -> None:
        if item is None:
            return
        b = self.b
        if len(item.text) > MAX_LAW_LIST:
            self.warnings.append(LoaderWarning(
                SOURCE_FILE, item.line, "oversized-law-list",
                f"{block.key}: the «Білуге міндетті» list has {len(item.text)} characters (a real one "
                f"has a few hundred): the text is damaged; no acts extracted from it"))
            return
        matches = self.registry.match(item.text, lang="kk")
        for match in matches:
            act = URIRef(match.iri)
            b.add(iri, KZO.requiresKnowledgeOf, act)
            c = URIRef(f"{iri}/cites/{match.key}")
            self.node(c, KZO.ActCitation, item.line, item.end_line)
            b.add(c, KZO.citedAct, act)
            b.add(c, KZO.citedBy, iri)
            b.text(c, KZO.evidence, match.evidence)
            b.text(c, KZO.rawText, item.raw)
        for name in self.unknown_acts(item.text, matches, block):
            self.warnings.append(LoaderWarning(SOURCE_FILE, item.line, "unknown-act",
                                               f"{block.key}: act name not in the registry: {name!r}"))
            self.dq(iri, item.line, "unknown-act",
                    f"{block.key}: the knowledge list names an act the registry does not know", name)

    def unknown_acts(self, text: str, matches, block: Block) -> list[str]:
        """The registry's unknown names, minus fragments made only of words of the acts matched in
        the same list and of its knowledge areas (the displaced runs of sources.md §2.4)."""
        known = set()
        for match in matches:
            known |= _stems(self.registry.get(match.key).name("kk"))
        for area in block.areas:
            known |= _stems(area.text)
        known |= {"туралы", "заңдар", "заңы", "қазақ", "респу"}
        return [n for n in self.registry.unknown_act_names(text, lang="kk") if not _stems(n) <= known]

    def qualification(self, iri: URIRef, block: Block, i: int, req: Requirement, counter: Counter,
                      copied: bool) -> None:
        b = self.b
        q = URIRef(f"{iri}/qualification" + (f"-{i + 1}" if i else ""))
        self.qualifications[(block.key, i)] = q
        self.node(q, KZO.QualificationRequirement, req.item.line, req.item.end_line)
        b.text(q, RDF_VALUE, req.item.text, "kk")
        if req.item.raw.replace("\n", " ").split() != req.item.text.split():
            b.text(q, KZO.rawText, req.item.raw)
        b.add(iri, KZO.hasQualificationRequirement, q)
        for reason in req.review:
            b.boolean(q, KZO.needsReview, True)
            b.text(q, KZO.reviewReason, reason, "en")
            self.dq(q, req.item.line, "ambiguous-rule", f"{block.key}: {reason}", req.item.text)
        for k, p in enumerate(req.paths, start=1):
            e = URIRef(f"{q}/education/{k}")
            self.node(e, KZO.EducationPath, req.item.line, req.item.end_line)
            b.code(e, KZO.educationLevel, "education", p.level)
            if not copied:
                b.code(iri, KZO.acceptsEducation, "education", p.level)
            b.boolean(e, KZO.pedagogicalEducation, p.pedagogical)
            b.text(e, KZO.educationProfile, p.profile)
            for d in p.degrees:
                b.code(e, KZO.requiresAcademicDegree, "academic-degree", d)
            b.text(e, KZO.degreeField, p.degree_field, "kk")
            if p.academic_title:
                b.boolean(e, KZO.requiresAcademicTitle, True)
            if p.condition:
                b.boolean(e, KZO.conditional, True)
                b.text(e, SKOS.scopeNote, p.condition, "kk")
            if p.level_inferred:
                b.boolean(e, KZO.needsReview, True)
                b.text(e, KZO.reviewReason, "the phrase names no education level; the level of the "
                                            "path before it is assumed", "en")
            b.text(e, RDF_VALUE, p.text, "kk")
            b.add(q, KZO.hasEducationPath, e)
        by_group: dict[int, list[URIRef]] = {}
        for exp in req.experience:
            e = self.experience(iri, q, exp, counter, KZO.hasExperienceRequirement)
            by_group.setdefault(exp.group, []).append(e)
        for nodes in by_group.values():
            for x in nodes:
                for y in nodes:
                    if x != y:
                        b.add(x, KZO.alternativeTo, y)

    def experience(self, iri: URIRef, parent: URIRef, exp: Experience, counter: Counter,
                   rel: URIRef) -> URIRef:
        b = self.b
        counter["experience"] += 1
        e = URIRef(f"{iri}/qualification/experience/{counter['experience']}")
        self.node(e, KZO.ExperienceRequirement, exp.line)
        b.decimal(e, KZO.minYears, exp.years)
        for kind in exp.kinds:
            b.code(e, KZO.experienceKind, "experience-kind", kind)
        b.text(e, KZO.inPosition, exp.in_position, "kk")
        b.code(e, KZO.educationLevel, "education", exp.education_level)
        b.integer(e, KZO.alternativeGroup, exp.group)
        b.text(e, RDF_VALUE, exp.text, "kk")
        b.add(parent, rel, e)
        if exp.inner is not None:
            self.experience(iri, e, exp.inner, counter, KZO.includesRequirement)
        return e

    def addon(self, parent: URIRef, block: Block, k: int, addon: AddOn) -> None:
        b = self.b
        iri = URIRef(f"{parent}/addon/{k}")
        self.node(iri, KZO.Position, addon.line, addon.end_line)
        b.text(iri, SKOS.prefLabel, addon.role[:1].upper() + addon.role[1:], "kk")
        b.add(iri, KZO.addOnOf, parent)
        b.add(iri, KZO.division, KZID[f"tqc-2008/s{block.section}"])
        b.code(iri, KZO.organisationType, "org-type", block.org_type)
        b.add(iri, KZO.definedIn, self.regulation)
        for j, duty in enumerate(addon.duties, start=1):
            self.duty(iri, j, duty.item, duty.group)
        self.knowledge(iri, block, addon.knowledge)

    # -- notes ------------------------------------------------------------------------------
    def anomaly(self, a: Anomaly) -> None:
        target = position_iri(a.block) if a.block else self.b.document
        if a.index is not None:
            target = self.qualifications[(a.block, a.index)]
        note = self.dq(target, a.line, a.kind, a.message, a.quoted)
        if a.related:
            other = self.qualifications.get((a.related, 0)) if a.kind == "copy-paste" else None
            self.b.add(note, RDFS.seeAlso, other or position_iri(a.related))
        if a.index is not None and a.kind == "copy-paste":
            self.b.boolean(target, KZO.needsReview, True)
            self.b.text(target, KZO.reviewReason, "a copy of another position's requirement "
                                                  "(source error); not counted in acceptsEducation", "en")

    def typo_notes(self, lines: list[str], notes_yaml: Path) -> None:
        entries = yaml.safe_load(notes_yaml.read_text(encoding="utf-8")) or []
        for entry in entries:
            rx = re.compile(rf"(?<![\w-]){re.escape(entry['quoted'])}(?![\w-])")
            hits = [no for no, line in enumerate(lines, 1) for _ in rx.finditer(line)]
            if len(hits) != entry.get("occurrences", len(hits)):
                self.warnings.append(LoaderWarning(
                    SOURCE_FILE, hits[0] if hits else None, "stale-note",
                    f"{notes_yaml.name}: «{entry['quoted']}» found {len(hits)} times, "
                    f"expected {entry['occurrences']}"))
            for no in hits:
                about = min((s for s in self.spans if s[0] <= no <= s[1]),
                            key=lambda s: s[1] - s[0], default=(0, 0, self.b.document))[2]
                note = self.dq(about, no, entry.get("kind", "typo"), entry["comment"]["en"],
                               entry["quoted"], entry["comment"].get("ru"))
                self.b.text(note, KZO.correctedText, entry.get("correct"), "kk")


def _stems(text: str) -> set[str]:
    return {w[:5].lower() for w in re.findall(r"[\w-]+", text)}
