"""The legal-acts registry (data/reference/legal-acts.yaml) and its matcher (loaders/acts.py).

Raw passages are pinned by line (1-based, as `sed -n Np` prints) and joined the way the loaders
join a law block: blank lines dropped, lines joined with one space, whitespace collapsed.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from loaders.acts import (
    ADILET_ID_RE, DEFAULT_PATH, ActMatch, LegalActEntry, Registry, join_block, registry_graph,
)
from loaders.base import SourceError
from loaders.namespaces import ELI, KZCODE, KZELI, KZO

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"

# the ids sources.md §6.3/§6.4 says are verified — and only those
VERIFIED_IDS = {
    "law-ob-obrazovanii": "Z070000319_",
    "law-o-statuse-pedagoga": "Z1900000293",
    "code-trudovoi": "K1500000414",
    "law-o-protivodeistvii-korruptsii": "Z1500000410",
    "order-512-2013": "V1300009106",
    "order-145-2020": "V2000020400",
}

E1_FIVE = ["constitution", "code-trudovoi", "law-ob-obrazovanii", "law-o-statuse-pedagoga",
           "law-o-protivodeistvii-korruptsii"]
E2_SHAPE = {"constitution", "convention-o-pravah-rebenka", "code-trudovoi", "law-ob-obrazovanii",
            "law-o-pravah-rebenka", "law-o-spetsialnyh-sotsialnyh-uslugah",
            "law-o-korrektsionnoi-podderzhke", "law-o-borbe-s-korruptsiei", "law-o-yazykah"}


def _lines(name: str) -> list[str]:
    return (SOURCES / name).read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def tqc2020() -> list[str]:
    return _lines("tqc-2020-ru.txt")


@pytest.fixture(scope="module")
def tqc2008() -> list[str]:
    return _lines("tqc-2008-kk.txt")


def block(lines: list[str], first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive), joined as the loader joins a law block."""
    return join_block(lines[first - 1:last])


def keys(reg: Registry, text: str, lang: str = "ru") -> list[str]:
    return [m.key for m in reg.match(text, lang)]


def law_blocks_2020(lines: list[str]) -> list[tuple[int, int, str]]:
    """Every law block of tqc-2020-ru.txt: from the line after `N[.] Должен знать:` to the line
    before the next line indented by 5+ spaces (sources.md §1.7)."""
    header = re.compile(r"^\s*\d+\.?\s+Должен знать:\s*$")
    out = []
    for i, line in enumerate(lines):
        if not header.match(line):
            continue
        j, taken = i + 1, []
        while j < len(lines):
            s = lines[j]
            if s.strip() and taken and re.match(r"^ {5,}\S", s):
                break
            if s.strip():
                taken.append(j)
            j += 1
        out.append((taken[0] + 1, taken[-1] + 1, join_block(lines[k] for k in taken)))
    return out


# ----------------------------------------------------------------------------------------------
# the registry file
# ----------------------------------------------------------------------------------------------

def test_registry_yaml_is_valid_and_keys_unique(reg):
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    keys_ = [a["key"] for a in raw["acts"]]
    assert len(keys_) == len(set(keys_)), "duplicate keys"
    assert len(reg) == len(keys_)
    for e in reg:
        assert isinstance(e, LegalActEntry)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e.key)
        assert e.names["ru"] and e.names["en"]
        if "kk" not in e.names:
            assert e.notes and "Kazakh" in e.notes, f"{e.key}: kk omitted without a note"


def test_verified_ids_only_and_shape(reg):
    with_ids = {e.key: e.adilet_id for e in reg if e.adilet_id}
    assert with_ids == VERIFIED_IDS
    for key, id_ in with_ids.items():
        # observed shape only (sources.md §6.4); never computed
        assert re.match(r"^[ZKV]\d{9}_$|^[ZKV]\d{10}$", id_), (key, id_)
        assert ADILET_ID_RE.match(id_)
        assert reg.get(key).iri == f"https://w3id.org/kz-edu/eli/kz/{id_}"
    # ids are never built from a registration number found in the texts
    for e in reg:
        if e.registration and not e.adilet_id:
            assert e.iri == f"https://w3id.org/kz-edu/eli/kz/minted/{e.key}"


def test_statuses_and_key_facts(reg):
    assert reg.get("law-o-spetsialnyh-sotsialnyh-standartah").status == "suspect"
    assert reg.get("law-o-borbe-s-korruptsiei").status == "repealed"
    assert reg.get("order-61-2008").status == "repealed"
    assert reg.get("order-373-2013").status == "repealed"
    assert reg.get("law-ob-obrazovanii").date == "2007-07-27"
    assert reg.get("order-169-2020").registration == "20551"
    assert reg.get("order-338-2009").registration == "5750"
    assert reg.get("order-61-2008").registration == "5168"
    assert reg.get("order-dsm-175-2020").registration == "21579"
    # the 1998 and the 2015 anti-corruption laws are different acts
    assert reg.get("law-o-borbe-s-korruptsiei").iri != reg.get("law-o-protivodeistvii-korruptsii").iri
    # the 2008 military law is kept apart from «О воинской службе и статусе военнослужащих»
    assert reg.get("law-askeri-mindettilik").iri != reg.get("law-o-voinskoi-sluzhbe").iri
    rels = dict(((r, t), True) for r, t in reg.get("order-169-2020").relations)
    assert ("amends", "order-338-2009") in rels
    assert ("repeals", "order-61-2008") in reg.get("order-338-2009").relations
    assert ("amends", "order-57-2012") in reg.get("joint-order-568-432-2021").relations
    assert ("repeals", "order-373-2013") in reg.get("order-500-2022").relations


def test_get_unknown_key_names_it(reg):
    with pytest.raises(KeyError, match="no-such-act"):
        reg.get("no-such-act")


def _write(tmp_path: Path, acts) -> Path:
    p = tmp_path / "legal-acts.yaml"
    p.write_text(yaml.safe_dump({"acts": acts}, allow_unicode=True), encoding="utf-8")
    return p


GOOD = {"key": "x-act", "kind": "law", "name": {"ru": "О иксе", "en": "On X"}, "status": "unverified",
        "patterns": {"ru": ["иксе"]}}


@pytest.mark.parametrize("bad, field", [
    ({"kind": "statute"}, "kind"),
    ({"status": "alive"}, "status"),
    ({"name": {"ru": "О иксе"}}, "name"),
    ({"date": "12.02.2008"}, "date"),
    ({"adilet_id": "V5750"}, "adilet_id"),
    ({"patterns": {"ru": ["(unclosed"]}}, "patterns"),
    ({"patterns": {"de": ["x"]}}, "patterns"),
    ({"key": "Not A Slug"}, "key"),
    ({"relations": {"amends": ["nowhere"]}}, "nowhere"),
    ({"colour": "red"}, "colour"),
])
def test_malformed_entry_raises_source_error(tmp_path, bad, field):
    path = _write(tmp_path, [GOOD, {**GOOD, "key": "y-act", **bad}])
    with pytest.raises(SourceError) as exc:
        Registry.load(path)
    msg = str(exc.value)
    assert "legal-acts.yaml" in msg and field in msg
    if "key" not in bad:
        assert "y-act" in msg and "#1" in msg


def test_duplicate_key_raises(tmp_path):
    with pytest.raises(SourceError, match=r"entry #1 \(key 'x-act'\): duplicate key"):
        Registry.load(_write(tmp_path, [GOOD, GOOD]))


# ----------------------------------------------------------------------------------------------
# pinned passages of tqc-2020-ru.txt (sources.md §1.7)
# ----------------------------------------------------------------------------------------------

def test_e1_common_five(reg, tqc2020):
    text = block(tqc2020, 142, 146)
    assert keys(reg, text) == E1_FIVE
    assert reg.unknown_act_names(text) == []
    ms = reg.match(text)
    assert all(isinstance(m, ActMatch) and m.iri == reg.get(m.key).iri for m in ms)
    assert next(m for m in ms if m.key == "code-trudovoi").evidence.startswith("Трудов")


def test_e2_convention_shape(reg, tqc2020):
    text = block(tqc2020, 2029, 2037)
    got = keys(reg, text)
    assert set(got) == E2_SHAPE
    assert len(got) == len(set(got))
    assert "law-o-protivodeistvii-korruptsii" not in got  # «О борьбе с коррупцией» here
    assert "law-o-statuse-pedagoga" not in got


def test_child_rights_not_counted_from_convention(reg):
    assert keys(reg, "Конституцию Республики Казахстан, Конвенцию о правах ребенка") == [
        "constitution", "convention-o-pravah-rebenka"]
    assert "law-o-pravah-rebenka" in keys(reg, "Конвенцию о правах ребенка, Закон «О правах ребенка в Республике Казахстан»")
    # split as on l.7622: "Конвенцию о " … "правах ребенка"
    assert "law-o-pravah-rebenka" not in keys(reg, 'Конвенцию о ", " ", "правах ребенка и другие')


def test_e3_allowances_and_physical_culture(reg, tqc2020):
    got = keys(reg, block(tqc2020, 4537, 4543))
    assert "law-o-gos-sotsialnyh-posobiyah" in got
    assert "law-o-fizicheskoi-kulture-i-sporte" in got
    full = keys(reg, block(tqc2020, 4534, 4550))
    assert "law-o-borbe-s-korruptsiei" in full and "law-o-protivodeistvii-korruptsii" not in full


def test_e4_housing_state_services_villages(reg, tqc2020):
    got = keys(reg, block(tqc2020, 2662, 2664))
    for k in ("law-o-zhilishchnyh-otnosheniyah", "law-o-gosudarstvennyh-uslugah", "law-o-detskih-derevnyah"):
        assert k in got
    # «О государственных социальных пособиях» is not «О государственных услугах»
    assert "law-o-gosudarstvennyh-uslugah" not in keys(
        reg, '"О государственных социальных пособиях по инвалидности"')


def test_suspect_special_social_standards(reg, tqc2020):
    text = block(tqc2020, 7733, 7744)
    got = keys(reg, text)
    assert "law-o-spetsialnyh-sotsialnyh-standartah" in got
    assert "law-o-spetsialnyh-sotsialnyh-uslugah" not in got
    assert reg.get("law-o-spetsialnyh-sotsialnyh-standartah").status == "suspect"
    assert "law-o-spetsialnyh-sotsialnyh-standartah" in keys(reg, tqc2020[7742 - 1])
    assert reg.unknown_act_names(text) == []


def test_point_43_military_service(reg, tqc2020):
    assert "дополнительно должен знать" in tqc2020[1298 - 1]
    assert keys(reg, block(tqc2020, 1299, 1299)) == ["law-o-voinskoi-sluzhbe"]
    got = keys(reg, block(tqc2020, 6874, 6880))  # R2.15, scrambled
    assert "law-o-voinskoi-sluzhbe" in got and "law-o-statuse-pedagoga" in got
    # "статусе военнослужащих" alone is not «О статусе педагога»
    assert "law-o-statuse-pedagoga" not in keys(reg, '"О воинской службе и статусе военнослужащих"')


def test_kokshetau_clean_list_equals_e2(reg, tqc2020):
    kok = _lines("vacancy-kokshetau-assistant.txt")
    clean = block(kok, 257, 265)
    assert set(keys(reg, clean)) == set(keys(reg, block(tqc2020, 2029, 2037))) == E2_SHAPE
    assert reg.unknown_act_names(clean) == []


def test_all_2020_law_blocks(reg, tqc2020):
    blocks = law_blocks_2020(tqc2020)
    assert len(blocks) == 88
    seen: set[str] = set()
    for first, last, text in blocks:
        got = keys(reg, text)
        assert len(got) == len(set(got)), (first, got)
        assert "constitution" in got and "law-ob-obrazovanii" in got, (first, got)
        assert reg.unknown_act_names(text) == [], (first, last, text)
        seen.update(got)
    seen.update(keys(reg, block(tqc2020, 1299, 1299)))  # §3.1 point 43, sub-variant 3)
    assert len(seen) == 24, sorted(seen)
    for not_act in ("Цифровой Казахстан", "законодательство о труде", "трудовой деятельности",
                    "Рухани жаңғыру"):
        assert keys(reg, not_act) == []


def test_match_order_is_deterministic(reg, tqc2020):
    text = block(tqc2020, 2652, 2666)
    assert keys(reg, text) == keys(reg, text)
    assert reg.match(text) == reg.match("  \n".join(text.split(" ")))


# ----------------------------------------------------------------------------------------------
# the 2008 Kazakh text (sources.md §2.4) and the Kazakh vacancies
# ----------------------------------------------------------------------------------------------

def test_2008_section1_pattern(reg, tqc2008):
    text = block(tqc2008, 119, 123)
    assert keys(reg, text, "kk") == ["constitution", "law-ob-obrazovanii", "law-gylym-turaly-2008",
                                     "law-o-borbe-s-korruptsiei"]
    assert reg.unknown_act_names(text, "kk") == []


def test_2008_inverted_quote_pair(reg, tqc2008):
    got = keys(reg, block(tqc2008, 499, 504), "kk")
    assert set(got) == {"constitution", "law-o-pravah-rebenka", "law-ob-obrazovanii",
                        "law-o-borbe-s-korruptsiei"}


def test_2008_interrupted_name(reg, tqc2008):
    # sources.md §2.4 says l.1382-1383; in the file l.1382 is the blank line and the name runs
    # over l.1383 ("Сыбайлас") and l.1384 ("…негіздерін.жемқорлықпен күрес туралы")
    assert tqc2008[1383 - 1].rstrip().endswith('"Сыбайлас')
    assert "негіздерін.жемқорлықпен күрес туралы" in tqc2008[1384 - 1]
    text = block(tqc2008, 1382, 1384)
    assert "law-o-borbe-s-korruptsiei" in keys(reg, text, "kk")
    assert reg.unknown_act_names(text, "kk") == []
    assert "law-dene-shynyktyru-2008" in keys(reg, block(tqc2008, 1380, 1385), "kk")


def test_2008_hybrid_name_l535(reg, tqc2008):
    line = tqc2008[535 - 1]
    assert "жемқорлыққа қарсы күрес" in line
    got = keys(reg, line, "kk")
    assert "law-o-borbe-s-korruptsiei" in got
    assert "law-o-protivodeistvii-korruptsii" not in got


def test_2008_military_add_on(reg, tqc2008):
    assert keys(reg, block(tqc2008, 628, 630), "kk") == ["law-askeri-mindettilik"]


def test_kazakh_vacancies(reg):
    kok = block(_lines("vacancy-kokshetau-assistant.txt"), 63, 68)
    assert keys(reg, kok, "kk") == ["constitution", "code-trudovoi", "law-ob-obrazovanii",
                                    "law-o-pravah-rebenka", "law-o-spetsialnyh-sotsialnyh-uslugah",
                                    "law-o-borbe-s-korruptsiei"]
    meth = block(_lines("vacancy-methodist-2024-kk.txt"), 37, 37)
    assert keys(reg, meth, "kk") == ["constitution", "law-ob-obrazovanii", "law-o-statuse-pedagoga",
                                     "law-o-protivodeistvii-korruptsii"]
    assert reg.unknown_act_names(kok, "kk") == reg.unknown_act_names(meth, "kk") == []


# ----------------------------------------------------------------------------------------------
# unknown names, robustness
# ----------------------------------------------------------------------------------------------

def test_unknown_act_name_is_reported(reg):
    text = ('Конституцию Республики Казахстан, Законы Республики Казахстан "Об образовании", '
            '"О беспилотных аппаратах" и другие нормативные правовые акты')
    assert keys(reg, text) == ["constitution", "law-ob-obrazovanii"]
    assert reg.unknown_act_names(text) == ["О беспилотных аппаратах"]
    kk = 'Қазақстан Республикасының "Білім туралы", "Ұшқышсыз аппараттар туралы" Заңдарын'
    assert reg.unknown_act_names(kk, "kk") == ["Ұшқышсыз аппараттар туралы"]


def test_bad_language_rejected(reg):
    with pytest.raises(ValueError):
        reg.match("x", "de")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_match_never_raises(text):
    reg = _REG
    for lang in ("ru", "kk"):
        ms = reg.match(text, lang)
        assert len({m.key for m in ms}) == len(ms)
        reg.unknown_act_names(text, lang)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    ["Конвенцию", "о", "правах", "ребенка", "О", "Об", "образовании", '"', '",', "статусе",
     "туралы", "Білім", "жемқорлықпен", "күрес", "Трудовой", "кодекс", "государственных", "\n", " "]),
    max_size=40))
def test_match_never_raises_on_law_like_text(words):
    text = " ".join(words)
    for lang in ("ru", "kk"):
        _REG.match(text, lang)
        _REG.unknown_act_names(text, lang)


_REG = Registry.load()


# ----------------------------------------------------------------------------------------------
# RDF
# ----------------------------------------------------------------------------------------------

def test_registry_graph(reg):
    g = registry_graph(reg)
    status = reg.get("law-o-statuse-pedagoga")
    s = URIRef(status.iri)
    assert s == KZELI["Z1900000293"]
    assert (s, RDF.type, KZO.LegalAct) in g and (s, RDF.type, ELI.LegalResource) in g
    assert (s, KZO.adiletId, Literal("Z1900000293")) in g
    assert (s, ELI.date_document, Literal("2019-12-27", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))) in g
    assert (s, RDFS.seeAlso, URIRef("https://adilet.zan.kz/rus/docs/Z1900000293")) in g
    assert (s, RDFS.seeAlso, URIRef("https://adilet.zan.kz/kaz/docs/Z1900000293")) in g
    langs = {o.language for o in g.objects(s, SKOS.prefLabel)}
    assert langs == {"ru", "kk", "en"}
    # minted: no adiletId, no seeAlso, a verification note
    m = URIRef(reg.get("law-o-yazykah").iri)
    assert m == KZELI["minted/law-o-yazykah"]
    assert (m, KZO.adiletId, None) not in g and (m, RDFS.seeAlso, None) not in g
    assert (m, KZO.verificationNote, None) in g
    assert {o.language for o in g.objects(m, SKOS.prefLabel)} == {"ru", "en"}
    sus = URIRef(reg.get("law-o-spetsialnyh-sotsialnyh-standartah").iri)
    assert (sus, KZO.actStatus, KZCODE["act-status/suspect"]) in g
    o169, o338 = URIRef(reg.get("order-169-2020").iri), URIRef(reg.get("order-338-2009").iri)
    assert (o169, ELI.amends, o338) in g
    assert (o338, ELI.repeals, URIRef(reg.get("order-61-2008").iri)) in g
    assert len(set(g.subjects(RDF.type, KZO.LegalAct))) == len(reg)
    # one prefLabel per language
    for subj in g.subjects(RDF.type, KZO.LegalAct):
        labels = [o.language for o in g.objects(subj, SKOS.prefLabel)]
        assert len(labels) == len(set(labels))
