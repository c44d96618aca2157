"""Modeller of vacancy announcements: parsed records -> RDF in the graph of the announcement file.

One ``kzo:Vacancy`` (⊑ ``schema:JobPosting``) per file, ``kzid:vacancy/<file-stem>``; each language
version is a ``kzo:VacancyText`` node ``kzid:vacancy/<stem>/<lang>`` holding what that text says
(duties, knowledge, requirements, competencies): the two halves of a bilingual file differ, so they
are kept apart. What both halves share (employer, address, salary, documents, legal basis,
deadline) hangs on the vacancy, with a label per language.

Everything here is a *claim of the announcement*: a threshold printed in a vacancy is never written
onto the regulation's position. ``kzo:forPosition`` links the position the announcement is for;
how it was matched is recorded (``kzo:positionMatchMethod``, ``kzo:positionMatchEvidence``).
The deviations from that position's regulation (``vacancy_audit``) are ``kzo:VacancyDeviation``
nodes in the same graph. Every node carries ``kzo:sourceFile`` / ``kzo:sourceLine``.
"""
from __future__ import annotations

from pathlib import Path

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS, XSD

from loaders.base import LoaderWarning, LoadResult
from loaders.namespaces import KZID, KZO, ORG, SCHEMA
from loaders.rdf_builder import GraphBuilder
from loaders.vacancy import parse
from loaders.vacancy_audit import AuditReport, audit, match_position
from loaders.vacancy_records import ActRef, VacancyDoc, VacancyVersion

RDF_VALUE = RDF.value
REGULATION_FILE = "tqc-2020-ru.txt"


def vacancy_iri(stem: str) -> URIRef:
    return KZID[f"vacancy/{stem}"]


def position_iri(key: str) -> URIRef:
    return KZID[f"position/tqc-2020/{key}"]


def load(path: Path, registry, positions_2020) -> LoadResult:
    """Parse, match, audit and model one announcement file (graph ``kzid:graph/<file-stem>``)."""
    doc = parse(path)
    match = match_position(doc, positions_2020) if positions_2020 is not None else None
    report = audit(doc, positions_2020, registry, match) if match is not None else None
    model = _Modeller(GraphBuilder(doc.file), registry, doc)
    model.vacancy(match)
    if report is not None:
        model.deviations(report)
    warnings = list(doc.warnings) + model.warnings
    if match is None:
        warnings.append(LoaderWarning(doc.file, None, "no-position-match",
                                      "the announcement could not be matched to a 2020 position"))
    return LoadResult(doc.file, model.b.graph, warnings)


def act_for(registry, ref: ActRef) -> str | None:
    """The registry entry of an order cited by number and date (a joint order by either number)."""
    if registry is None:
        return None
    for entry in registry:
        number = (entry.number or "").replace(" ", "")
        if entry.kind == "joint-order" and ref.number in number.split("/"):
            return entry.iri
        if number == ref.number.replace(" ", "") and (entry.date is None or ref.date is None
                                                      or str(entry.date) == ref.date.isoformat()):
            return entry.iri
    return None


class _Modeller:
    def __init__(self, builder: GraphBuilder, registry, doc: VacancyDoc) -> None:
        self.b = builder
        self.registry = registry
        self.doc = doc
        self.iri = vacancy_iri(doc.stem)
        self.warnings: list[LoaderWarning] = []

    # -- the vacancy ------------------------------------------------------------------------
    def vacancy(self, match) -> None:
        b, doc, iri = self.b, self.doc, self.iri
        b.node(iri, KZO.Vacancy, 1, doc.line_count)
        b.add(iri, RDF.type, SCHEMA.JobPosting)
        if match is not None:
            b.add(iri, KZO.forPosition, position_iri(match.position.key))
            b.text(iri, KZO.positionMatchMethod, match.method)
            b.add(iri, KZO.positionMatchScore, Literal(f"{match.score:.3f}", datatype=XSD.decimal))
            b.text(iri, KZO.positionMatchEvidence, match.evidence, "en")
        for v in doc.versions:
            self.version(v)
            if v.title:
                b.text(iri, SCHEMA.title, v.title.text, v.lang)
        self.employer()
        self.salary()
        self.documents()
        self.legal_basis()
        self.deadline()

    def version(self, v: VacancyVersion) -> None:
        b = self.b
        node = URIRef(f"{self.iri}/{v.lang}")
        b.node(node, KZO.VacancyText, v.line, v.end_line)
        b.add(node, DCTERMS.language, Literal(v.lang))
        b.add(self.iri, KZO.hasLanguageVersion, node)
        if v.duties:
            for k, item in enumerate(v.duties.items, start=1):
                duty = URIRef(f"{node}/duty/{k}")
                b.node(duty, KZO.Duty, item.line, item.end_line)
                b.text(duty, RDF_VALUE, item.text, v.lang)
                b.integer(duty, SCHEMA.position, k)
                b.add(node, KZO.hasDuty, duty)
        self.knowledge(v, node)
        self.requirements(v, node)
        self.levels(v, node)
        for prop, span in ((KZO.submissionRule, v.submission), (KZO.returnRule, v.return_rule),
                           (KZO.additionalInformationRule, v.extra_info)):
            if span is not None:
                b.text(node, prop, span.text, v.lang)

    def knowledge(self, v: VacancyVersion, node: URIRef) -> None:
        if not v.knowledge:
            return
        b = self.b
        area_no = 0
        for item in v.knowledge.items:
            matches = self.registry.match(item.text, lang=v.lang) if self.registry is not None else []
            for m in matches:
                b.add(node, KZO.requiresKnowledgeOf, URIRef(m.iri))
            if self.registry is not None:
                for name in self.registry.unknown_act_names(item.text, lang=v.lang):
                    self.warnings.append(LoaderWarning(self.doc.file, item.line, "unknown-act",
                                                       f"act name not in the registry: {name!r}"))
            if matches:
                b.text(node, KZO.rawText, item.raw)
                continue
            area_no += 1
            area = URIRef(f"{node}/knowledge/{area_no}")
            b.node(area, KZO.KnowledgeArea, item.line, item.end_line)
            b.text(area, RDF_VALUE, item.text.lstrip("-– ").strip(), v.lang)
            b.integer(area, SCHEMA.position, area_no)
            b.add(node, KZO.requiresKnowledgeArea, area)

    def requirements(self, v: VacancyVersion, node: URIRef) -> None:
        if not v.qualification:
            return
        b = self.b
        items = v.qualification.items
        q = URIRef(f"{node}/qualification")
        b.node(q, KZO.QualificationRequirement, items[0].line if items else v.qualification.header_line,
               items[-1].end_line if items else None)
        b.text(q, RDF_VALUE, " ".join(it.text for it in items), v.lang)
        b.integer(q, KZO.pointNumber, v.qualification.number)
        b.add(node, KZO.hasQualificationRequirement, q)
        for k, e in enumerate(v.education, start=1):
            path = URIRef(f"{q}/education/{k}")
            b.node(path, KZO.EducationPath, e.line)
            b.text(path, RDF_VALUE, e.text, v.lang)
            for level in e.levels:
                b.code(path, KZO.educationLevel, "education", level)
                b.code(node, KZO.acceptsEducation, "education", level)
            b.text(path, KZO.educationProfile, e.profile)
            b.boolean(path, KZO.pedagogicalEducation, e.pedagogical)
            b.boolean(path, KZO.grantsCategoryRights, e.grants_category_rights)
            b.code(path, KZO.assignedCategory, "category", e.assigned_category)
            b.add(q, KZO.hasEducationPath, path)
        for k, e in enumerate(v.experience, start=1):
            exp = URIRef(f"{q}/experience/{k}")
            b.node(exp, KZO.ExperienceRequirement, e.line)
            b.decimal(exp, KZO.minYears, e.min_years)
            b.code(exp, KZO.category, "category", e.category)
            b.code(exp, KZO.experienceKind, "experience-kind", e.kind)
            for level in e.education_levels:
                b.code(exp, KZO.educationLevel, "education", level)
            b.text(exp, RDF_VALUE, e.text, v.lang)
            b.add(q, KZO.hasExperienceRequirement, exp)

    def levels(self, v: VacancyVersion, node: URIRef) -> None:
        b = self.b
        used: dict[str, int] = {}
        for lv in v.levels:
            slug = lv.category or "unrecognised"
            used[slug] = used.get(slug, 0) + 1
            key = slug if used[slug] == 1 else f"{slug}-{used[slug]}"
            cr = URIRef(f"{node}/category/{key}")
            b.node(cr, KZO.CategoryRequirement, lv.line, lv.statements[-1].end_line if lv.statements else None)
            b.code(cr, KZO.category, "category", lv.category)
            b.text(cr, RDFS.label, lv.label, v.lang)
            b.integer(cr, KZO.levelNumber, int(lv.number) if lv.number is not None else None)
            b.text(cr, KZO.refersToCategoryText, lv.refers_to_text)
            b.code(cr, KZO.refersToCategory, "category", lv.refers_to)
            for k, st in enumerate(lv.statements, start=1):
                s = URIRef(f"{cr}/statement/{k}")
                b.node(s, KZO.CompetencyStatement, st.line, st.end_line)
                b.text(s, RDF_VALUE, st.text, v.lang)
                b.integer(s, SCHEMA.position, k)
                b.add(cr, KZO.hasCompetencyStatement, s)
            b.add(node, KZO.hasCategoryRequirement, cr)

    # -- what both versions share -------------------------------------------------------------
    def _first(self, attr: str):
        return next(((v, getattr(v, attr)) for v in self.doc.versions if getattr(v, attr)), (None, None))

    def employer(self) -> None:
        b = self.b
        v, emp = self._first("employer")
        if emp is None:
            return
        org = URIRef(f"{self.iri}/employer")
        b.node(org, ORG.Organization, emp.span.line, emp.span.end_line)
        for w in self.doc.versions:
            if w.employer:
                b.text(org, SKOS.prefLabel, w.employer.name, w.lang)
                b.text(org, KZO.legalForm, w.employer.legal_form, w.lang)
        b.code(org, KZO.organisationType, "org-type", emp.org_type)
        parent_iri = None
        for depth in range(len(emp.parents)):
            unit = URIRef(f"{org}/parent/{depth + 1}")
            b.node(unit, ORG.Organization, emp.span.line)
            for w in self.doc.versions:
                if w.employer and len(w.employer.parents) == len(emp.parents):
                    b.text(unit, RDFS.label, w.employer.parents[depth], w.lang)
            if parent_iri is not None:
                b.add(unit, ORG.subOrganizationOf, parent_iri)
            parent_iri = unit
        if parent_iri is not None:
            b.add(org, ORG.subOrganizationOf, parent_iri)
        b.add(self.iri, SCHEMA.hiringOrganization, org)
        av, addr = self._first("address")
        if addr is not None:
            a = URIRef(f"{org}/address")
            b.node(a, SCHEMA.PostalAddress, addr.span.line)
            b.text(a, SCHEMA.postalCode, addr.postcode)
            for w in self.doc.versions:
                if w.address:
                    b.text(a, SCHEMA.addressRegion, w.address.region, w.lang)
                    b.text(a, SCHEMA.addressLocality, w.address.locality, w.lang)
                    b.text(a, SCHEMA.streetAddress, w.address.street, w.lang)
            b.add(org, SCHEMA.address, a)
        cv, contacts = self._first("contacts")
        if contacts is not None:
            for phone in contacts.phones:
                b.text(org, SCHEMA.telephone, phone)
            for mail in contacts.emails:
                b.text(org, SCHEMA.email, mail)

    def salary(self) -> None:
        b = self.b
        v, sal = self._first("salary")
        if sal is None:
            return
        amount = URIRef(f"{self.iri}/salary")
        b.node(amount, SCHEMA.MonetaryAmount, sal.span.line, sal.span.end_line)
        b.decimal(amount, SCHEMA.minValue, sal.min_value)
        b.decimal(amount, SCHEMA.maxValue, sal.max_value)
        b.text(amount, SCHEMA.currency, sal.currency)
        b.code(amount, KZO.salaryBasis, "salary-basis", sal.basis)
        b.text(amount, KZO.appliesToEducationText, sal.education, v.lang)
        b.text(amount, KZO.rawText, sal.span.raw)
        for w in self.doc.versions:
            if w.salary and (w.salary.min_value, w.salary.max_value) != (sal.min_value, sal.max_value):
                self.warnings.append(LoaderWarning(self.doc.file, w.salary.span.line, "salary-mismatch",
                                                   "the language versions state different salaries"))
        if "мах" in sal.span.raw:
            b.note("salary-label", amount, sal.span.end_line, "glitch",
                   'the label "(мах)" is printed in Cyrillic letters, "(min)" in Latin ones', "(мах)")
        b.add(self.iri, SCHEMA.baseSalary, amount)

    def documents(self) -> None:
        b = self.b
        first = next((v for v in self.doc.versions if v.documents), None)
        if first is None:
            return
        for d in first.documents:
            node = URIRef(f"{self.iri}/document/{d.number}")
            b.node(node, KZO.RequiredDocument, d.line, d.end_line)
            b.integer(node, SCHEMA.position, d.number)
            b.boolean(node, KZO.conditional, d.conditional)
            b.code(node, KZO.conditionKind, "document-condition", d.condition)
            for v in self.doc.versions:
                same = next((x for x in v.documents if x.number == d.number), None)
                if same is None:
                    continue
                b.text(node, RDFS.label, same.text.rstrip(";. "), v.lang)
                b.text(node, KZO.conditionText, same.condition_text, v.lang)
                b.text(node, KZO.formAnnex, same.form_annex)
                for ref in same.acts:
                    act = act_for(self.registry, ref)
                    if act:
                        b.add(node, KZO.citesAct, URIRef(act))
            b.add(self.iri, KZO.requiresDocument, node)
        if len({len(v.documents) for v in self.doc.versions}) > 1:
            self.warnings.append(LoaderWarning(self.doc.file, first.documents[0].line, "document-count",
                                               "the language versions list different numbers of documents"))

    def legal_basis(self) -> None:
        b = self.b
        for v in self.doc.versions:
            for ref in v.legal_acts:
                act = act_for(self.registry, ref)
                if act is None:
                    self.warnings.append(LoaderWarning(self.doc.file, ref.line, "unknown-act",
                                                       f"order № {ref.number} of {ref.date} not in the registry"))
                    continue
                b.add(self.iri, KZO.legalBasis if ref.role == "basis" else KZO.refersToAct, URIRef(act))
            if v.legal_basis:
                b.text(self.iri, KZO.legalBasisText, v.legal_basis.text, v.lang)

    def deadline(self) -> None:
        b = self.b
        v, dl = self._first("deadline")
        if dl is None:
            return
        node = URIRef(f"{self.iri}/deadline")
        b.node(node, KZO.ApplicationDeadline, dl.line, dl.end_line)
        for w in self.doc.versions:
            if w.deadline:
                b.text(node, RDF_VALUE, w.deadline.text, w.lang)
                b.text(self.iri, KZO.applicationDeadlineRule, w.deadline.text, w.lang)
        b.text(node, KZO.rawText, dl.raw)
        b.integer(node, KZO.workingDays, dl.working_days)
        b.text(node, KZO.periodStartEvent, dl.start_event)
        if dl.kind == "absolute":
            b.add(self.iri, KZO.applicationsFrom, Literal(dl.start.isoformat(), datatype=XSD.date))
            b.add(self.iri, SCHEMA.validThrough, Literal(dl.end.isoformat(), datatype=XSD.date))
            if ".." in dl.text:
                b.note("date-glitch", node, dl.line, "glitch",
                       "a date is printed with a double dot; read as a single one", dl.text)
        b.add(self.iri, KZO.hasApplicationDeadline, node)

    # -- deviations from the regulation ----------------------------------------------------------
    def deviations(self, report: AuditReport) -> None:
        b = self.b
        pos = position_iri(report.position.key)
        counters: dict[str, int] = {}
        for d in report.deviations:
            counters[d.lang] = counters.get(d.lang, 0) + 1
            node = URIRef(f"{self.iri}/deviation/{d.lang}-{counters[d.lang]}")
            version = next(v for v in self.doc.versions if v.lang == d.lang)
            b.node(node, KZO.VacancyDeviation, d.vacancy_line or version.line)
            b.add(node, KZO.deviationOf, self.iri)
            b.add(node, KZO.about, pos)
            b.add(node, KZO.languageVersion, URIRef(f"{self.iri}/{d.lang}"))
            b.code(node, KZO.deviationKind, "deviation-kind", d.kind)
            b.code(node, KZO.severity, "severity", d.severity)
            b.text(node, RDFS.comment, d.comment, "en")
            b.text(node, KZO.vacancyText, d.vacancy_text, d.lang)
            b.integer(node, KZO.vacancyLine, d.vacancy_line)
            b.text(node, KZO.regulationText, d.regulation_text, "ru")
            b.integer(node, KZO.regulationLine, d.regulation_line)
            if d.regulation_line is not None:
                b.text(node, KZO.regulationFile, REGULATION_FILE)
