"""Named SPARQL queries: ``queries/<name>.rq`` files with a comment header.

Header (comment lines at the top of the file, one key per line)::

    # title: Positions that must know a given act
    # title@ru: Должности, которые должны знать акт
    # title@kk: ...
    # description: Every position whose "must know" list names the act, with its source line.
    # description@ru: ...
    # param: act iri default=https://w3id.org/kz-edu/eli/kz/Z1900000293 "The legal act"
    # example: act=https://w3id.org/kz-edu/eli/kz/Z1900000293

A parameter is ``name type [default=VALUE] ["help"]`` with type iri, string, integer, decimal or
lang; without a default it is required.  In the query body ``$name`` stands for the value: it is
replaced, token by token (never inside strings, IRIs or comments), by the value written as a
SPARQL term after validation — an IRI as ``<...>``, a string as an escaped literal, numbers as
typed literals — so a value can never change the query's structure.  The example is a URL query
string (``a=1&b=2``) and a test runs every example.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qsl

from . import errors
from .sparql import tokenize

NAME_RE = re.compile(r"[a-z0-9-]+")
PARAM_TYPES = ("iri", "string", "integer", "decimal", "lang")
HEADER_KEYS = ("title", "description", "param", "example")
LANGS = ("en", "ru", "kk")
_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[^\s<>\"{}|^`\\%]|%[0-9A-Fa-f]{2})*")
_INTEGER_RE = re.compile(r"[+-]?\d{1,30}")
_DECIMAL_RE = re.compile(r"[+-]?(\d{1,30}(\.\d{0,30})?|\.\d{1,30})")
_LANG_RE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_STRING = 1000


class NamedQueryError(ValueError):
    """Base of the named-query errors (the CLI reports them as they are)."""


class QueryFileError(NamedQueryError):
    """A malformed header; the message names the file and line."""


class ParameterError(NamedQueryError):
    """Unknown, missing or invalid parameter values (HTTP: 400 with `code` and `details`)."""

    def __init__(self, message: str, code: str = "invalid_parameter", details: Any = None) -> None:
        super().__init__(message)
        self.message, self.code, self.details = message, code, details

    def to_api_error(self) -> errors.ApiError:
        return errors.bad_request(self.message, self.code, self.details)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default,
                "required": self.required, "help": self.help}


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    params: tuple[Param, ...] = ()
    example: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.titles, "description": self.descriptions,
                "params": [p.to_json() for p in self.params], "example": self.example,
                "url": f"/api/queries/{self.name}"}

    def example_params(self) -> dict[str, str]:
        return dict(parse_qsl(self.example or "", keep_blank_values=True))

    def render(self, values: Mapping[str, str]) -> str:
        """The query text with ``$name`` replaced by validated terms.

        :raises ParameterError: unknown, missing or invalid parameters.
        """
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(f"Unknown parameter(s) {', '.join(unknown)} for query "
                                 f"{self.name!r}; it takes: {', '.join(known) or 'none'}.",
                                 "unknown_parameter", {"unknown": unknown})
        missing = [p.name for p in self.params if p.required and p.name not in values]
        if missing:
            raise ParameterError(f"Missing required parameter(s) {', '.join(missing)} for query "
                                 f"{self.name!r}.", "missing_parameter", {"missing": missing})
        terms = {p.name: sparql_term(p, values.get(p.name, p.default or "")) for p in self.params}
        out = []
        for kind, tok in tokenize(self.text):
            out.append(terms[tok[1:]] if kind == "var" and tok[0] == "$" and tok[1:] in terms else tok)
        return "".join(out)


def sparql_term(param: Param, value: str) -> str:
    """`value` as a SPARQL term for a parameter of `param.type`.

    >>> sparql_term(Param("s", "string"), 'say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    >>> sparql_term(Param("n", "integer"), "12")
    '"12"^^<http://www.w3.org/2001/XMLSchema#integer>'

    :raises ParameterError: the value does not fit the type.
    """
    def invalid(expected: str) -> ParameterError:
        return ParameterError(f"Parameter {param.name!r} must be {expected}, got {value!r}.")

    if param.type == "iri":
        if not _IRI_RE.fullmatch(value):
            raise invalid("an absolute IRI without spaces or any of <>\"{}|^`\\")
        return f"<{value}>"
    if param.type == "integer":
        if not _INTEGER_RE.fullmatch(value):
            raise invalid("an integer")
        return f'"{value}"^^<{XSD}integer>'
    if param.type == "decimal":
        if not _DECIMAL_RE.fullmatch(value):
            raise invalid("a decimal number such as 2.5")
        return f'"{value}"^^<{XSD}decimal>'
    if param.type == "lang":
        if not _LANG_RE.fullmatch(value):
            raise invalid("a language tag such as ru, kk or en")
        return _string_literal(value.lower())
    if len(value) > MAX_STRING:
        raise invalid(f"a string of at most {MAX_STRING} characters")
    return _string_literal(value)


def _string_literal(value: str) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def parse_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header.

    :raises QueryFileError: unknown header key, bad parameter line, or no title.
    """
    text = path.read_text(encoding="utf-8")
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    params: list[Param] = []
    example = None
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = re.match(r"#\s*([a-z]+)(?:@([a-z]{2}))?\s*:\s*(.*)$", stripped)
        if not m:
            continue  # a plain comment
        key, lang, value = m.group(1), m.group(2) or "en", m.group(3).strip()
        where = f"{path}:{lineno}"
        if key not in HEADER_KEYS:
            raise QueryFileError(f"{where}: unknown header key {key!r} (use {', '.join(HEADER_KEYS)})")
        if lang not in LANGS:
            raise QueryFileError(f"{where}: language must be one of {', '.join(LANGS)}, got {lang!r}")
        if key == "title":
            titles[lang] = value
        elif key == "description":
            descriptions[lang] = value
        elif key == "example":
            example = value
        else:
            params.append(_parse_param(value, where))
    if "en" not in titles:
        raise QueryFileError(f"{path}:1: the header needs a '# title: ...' line")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{path}: a parameter is declared twice")
    return NamedQuery(path.stem, text, titles, descriptions, tuple(params), example)


def _parse_param(value: str, where: str) -> Param:
    try:
        parts = shlex.split(value)
    except ValueError as exc:
        raise QueryFileError(f"{where}: cannot read the param line: {exc}") from None
    if len(parts) < 2 or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", parts[0]):
        raise QueryFileError(f"{where}: expected 'param: NAME TYPE [default=VALUE] [\"help\"]'")
    name, ptype, rest = parts[0], parts[1], parts[2:]
    if ptype not in PARAM_TYPES:
        raise QueryFileError(f"{where}: parameter type must be one of {', '.join(PARAM_TYPES)}, "
                             f"got {ptype!r}")
    default, help_text = None, []
    for part in rest:
        if part.startswith("default=") and default is None and not help_text:
            default = part[len("default="):]
        else:
            help_text.append(part)
    param = Param(name, ptype, default, " ".join(help_text))
    if default is not None:
        try:
            sparql_term(param, default)
        except ParameterError as exc:
            raise QueryFileError(f"{where}: bad default: {exc.message}") from None
    return param


def load_queries(folder: str | Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` in `folder` whose name fits ``[a-z0-9-]+``, by name (none if no folder).

    :raises QueryFileError: a file is malformed, or its name does not fit.
    """
    folder = Path(folder)
    queries: dict[str, NamedQuery] = {}
    if not folder.is_dir():
        return queries
    for path in sorted(folder.glob("*.rq")):
        if not NAME_RE.fullmatch(path.stem):
            raise QueryFileError(f"{path}: a query name may only use a-z, 0-9 and '-'")
        queries[path.stem] = parse_query_file(path)
    return queries


def load_named_queries(folder: str | Path = Path("queries")) -> dict[str, NamedQuery]:
    """`load_queries` with the repository's default folder (used by ``pedkg query --named``)."""
    return load_queries(folder)


def lookup(queries: Mapping[str, NamedQuery], name: str) -> NamedQuery:
    """The query called `name`; 404 for anything else (including any path trickery)."""
    if not NAME_RE.fullmatch(name) or name not in queries:
        raise errors.not_found(f"There is no named query {name!r}; GET /api/queries lists them.")
    return queries[name]
