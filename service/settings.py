"""The service's settings registry: one tuple of `Setting`, one frozen `Settings`.

`SETTINGS` is the single source for the CLI options' help, `--help-settings`, the docs and the
environment variables (``PEDKG_<NAME>``).  `Settings` is what the code receives.

>>> Settings().port
8000
>>> Settings.from_env({"PEDKG_PORT": "9001", "PEDKG_SERVICE_ALLOWLIST": "http://a/sparql"}).port
9001
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "PEDKG_"


@dataclass(frozen=True)
class Setting:
    """One configurable value: its name, default, one-line help and environment variable."""

    name: str
    default: Any
    help: str
    env: str = ""

    def __post_init__(self) -> None:
        if not self.env:
            object.__setattr__(self, "env", ENV_PREFIX + self.name.upper())


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", "Interface to listen on."),
    Setting("port", 8000, "TCP port to listen on."),
    Setting("build_dir", "build", "Build directory holding dataset.nq and the store/ directory."),
    Setting("data_files", (), "RDF files to serve instead of the build (Turtle, N-Triples, N-Quads, "
            "TriG, RDF/XML, JSON-LD; format from the suffix). Repeatable; env: comma-separated."),
    Setting("queries_dir", "queries", "Folder of named SPARQL queries (*.rq)."),
    Setting("query_timeout_s", 30.0, "Time limit of one query or update, in seconds (answer: 503)."),
    Setting("max_rows", 10000, "Most result rows (or triples) returned; more sets X-Pedkg-Truncated."),
    Setting("max_body_bytes", 1_000_000, "Largest request body accepted (answer: 413)."),
    Setting("max_query_chars", 100_000, "Longest query or update text accepted (answer: 413)."),
    Setting("query_workers", 2, "Worker processes answering queries; 0 runs queries in-process "
            "without an enforceable time limit (tests and tools only)."),
    Setting("allow_updates", False, "Accept SPARQL Update (held in memory, never written to the build)."),
    Setting("update_token", None, "Bearer token that SPARQL Update requests must present."),
    Setting("service_allowlist", (), "SPARQL endpoints that SERVICE may call (exact IRIs). "
            "Repeatable; env: comma-separated. Empty: federation is refused."),
    Setting("store_url", None, "Remote store's SPARQL query endpoint (e.g. http://localhost:7878/query) "
            "to use instead of the embedded store; updates go to its /update sibling."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _default(name: str) -> Any:
    return _BY_NAME[name].default


@dataclass(frozen=True)
class Settings:
    """The service configuration.  Build with keywords, `from_env` or `replace`."""

    host: str = _default("host")
    port: int = _default("port")
    build_dir: str = _default("build_dir")
    data_files: tuple[str, ...] = field(default=_default("data_files"))
    queries_dir: str = _default("queries_dir")
    query_timeout_s: float = _default("query_timeout_s")
    max_rows: int = _default("max_rows")
    max_body_bytes: int = _default("max_body_bytes")
    max_query_chars: int = _default("max_query_chars")
    query_workers: int = _default("query_workers")
    allow_updates: bool = _default("allow_updates")
    update_token: str | None = _default("update_token")
    service_allowlist: tuple[str, ...] = field(default=_default("service_allowlist"))
    store_url: str | None = _default("store_url")

    def __post_init__(self) -> None:
        for name in ("data_files", "service_allowlist"):
            value = getattr(self, name)
            if isinstance(value, (str, Path)):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))
        if self.allow_updates and not self.update_token:
            raise ValueError("allow_updates needs an update_token (PEDKG_UPDATE_TOKEN or --update-token)")
        for name in ("query_timeout_s", "max_rows", "max_body_bytes", "max_query_chars"):
            if getattr(self, name) <= 0:
                raise ValueError(f"setting {name} must be positive, got {getattr(self, name)!r}")
        if self.query_workers < 0:
            raise ValueError("setting query_workers must be 0 or more")

    def replace(self, **changes: Any) -> "Settings":
        """A copy with `changes` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def build_path(self) -> Path:
        return Path(self.build_dir)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from ``PEDKG_*`` variables, then `overrides` (values that are not None)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.env in environ:
                values[setting.name] = _coerce(setting, environ[setting.env])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _coerce(setting: Setting, raw: str) -> Any:
    """Turn an environment string into the type of the setting's default."""
    default = setting.default
    if isinstance(default, bool):
        if raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"{setting.env}: expected a boolean, got {raw!r}")
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw or None if default is None else raw


def settings_help() -> str:
    """Plain-text table of every setting (for ``--help-settings`` and the docs)."""
    lines = []
    for s in SETTINGS:
        default = ", ".join(s.default) if isinstance(s.default, tuple) else s.default
        lines.append(f"{s.name:<18} {s.env:<24} default: {default!r}\n    {s.help}")
    return "\n".join(lines)
