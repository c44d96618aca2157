"""The reviewed description of the source texts (data/reference/sources.yaml)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES_DIR = ROOT / "data" / "sources"
SOURCES_YAML = ROOT / "data" / "reference" / "sources.yaml"


@lru_cache(maxsize=1)
def source_table() -> dict[str, dict]:
    """Entries of sources.yaml keyed by file name."""
    entries = yaml.safe_load(SOURCES_YAML.read_text(encoding="utf-8"))
    return {entry["file"]: entry for entry in entries}


def regulation_act_key(source_file: str) -> str:
    """Registry key of the act a source text is the text of; KeyError names the file."""
    entry = source_table().get(source_file)
    if entry is None or "act" not in entry:
        raise KeyError(f"{source_file}: no 'act' for this file in {SOURCES_YAML.name}")
    return entry["act"]
