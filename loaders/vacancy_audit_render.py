"""The audit of a vacancy announcement as a plain-text report in English, Russian or Kazakh."""
from __future__ import annotations

from typing import TYPE_CHECKING

from loaders.vacancy_text import clean

if TYPE_CHECKING:
    from loaders.vacancy_audit import AuditReport
    from loaders.vacancy_records import VacancyDoc

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
