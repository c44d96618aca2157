"""A compiled yes/no JSON-Schema check that agrees with jsonschema's Draft 2020-12 verdict.

jsonschema builds error objects and a validator per subschema, which made it ~78% of batch
validation; this check has its semantics for the keywords the portfolio schema uses and refuses
(`Unsupported`) any other, so a schema change can switch it off but never make it more lenient.
"""
from __future__ import annotations

import re
from numbers import Number
from typing import Any, Callable

class Unsupported(Exception):
    """A schema keyword or form that `compile_schema` does not mirror."""


_KEYWORDS = frozenset({"type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "maxItems",
                       "items", "properties", "additionalProperties", "required", "$ref"})
_ANNOTATIONS = frozenset({"title", "description", "$comment"})
_ROOT_ONLY = frozenset({"$schema", "$id", "$defs"})   # a nested $id would move the base of $ref
_CLASSES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is_number(x: Any) -> bool:
    return isinstance(x, Number) and not isinstance(x, bool)


def compile_schema(schema: dict) -> Callable[[Any], bool]:
    """A yes/no check with the verdict of jsonschema's Draft 2020-12 `iter_errors` on `schema`.

    No error objects and no validator per subschema (where jsonschema spends its time), but its
    semantics: its default types (an array is a list, a number a `numbers.Number` but not a bool),
    `re.search`, `<`/`>` bounds (NaN passes), and `in` for an enum of strings and null (equal to its
    `equal` there). Anything else raises `Unsupported`: a schema change can make this check unused,
    never more lenient than jsonschema.
    """
    refs: dict[str, Callable[[Any], bool] | None] = {}

    def ref(pointer: str) -> Callable[[Any], bool]:
        if not pointer.startswith("#/"):
            raise Unsupported(f"$ref {pointer!r}")
        if pointer not in refs:
            refs[pointer] = None            # marks a $ref being compiled: a cycle finds it below
            target: Any = schema
            for part in pointer[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            refs[pointer] = node(target)
        check = refs[pointer]
        if check is None:
            raise Unsupported(f"recursive $ref {pointer!r}")
        return check

    def node(s: Any, root: bool = False) -> Callable[[Any], bool]:
        if not isinstance(s, dict):
            raise Unsupported(f"boolean subschema {s!r}")
        unknown = set(s) - _KEYWORDS - _ANNOTATIONS - (_ROOT_ONLY if root else set())
        names = [s["type"]] if isinstance(s.get("type"), str) else s.get("type", [])
        if (unknown or s.get("additionalProperties", False) is not False or not isinstance(s.get("items", {}), dict)
                or any(t not in _CLASSES and t != "number" for t in names)
                or any(v is not None and not isinstance(v, str) for v in s.get("enum", ()))):
            raise Unsupported(f"schema {s!r}")
        typed, classes, number = "type" in s, tuple(_CLASSES[t] for t in names if t != "number"), "number" in names
        enum = tuple(s["enum"]) if "enum" in s else None
        minimum, maximum = s.get("minimum"), s.get("maximum")
        bounded = minimum is not None or maximum is not None
        min_len, max_len, max_items = s.get("minLength"), s.get("maxLength"), s.get("maxItems")
        rx = re.compile(s["pattern"]) if "pattern" in s else None
        props = [(k, node(v)) for k, v in s.get("properties", {}).items()]
        closed = frozenset(s.get("properties", {})) if "additionalProperties" in s else None
        required = tuple(s.get("required", ()))
        items = node(s["items"]) if "items" in s else None
        target = ref(s["$ref"]) if "$ref" in s else None

        def check(x: Any) -> bool:
            if typed and not (isinstance(x, classes) or number and _is_number(x)):
                return False
            if enum is not None and x not in enum:
                return False
            if isinstance(x, str):
                if ((min_len is not None and len(x) < min_len) or (max_len is not None and len(x) > max_len)
                        or (rx is not None and rx.search(x) is None)):
                    return False
            elif isinstance(x, dict):
                if (closed is not None and not closed.issuperset(x)) or any(k not in x for k in required):
                    return False
                for k, f in props:
                    if k in x and not f(x[k]):
                        return False
            elif isinstance(x, list):
                if (max_items is not None and len(x) > max_items) or (items is not None and not all(map(items, x))):
                    return False
            elif bounded and _is_number(x) and ((minimum is not None and x < minimum)
                                                or (maximum is not None and x > maximum)):
                return False
            return target is None or target(x)

        return check

    return node(schema, root=True)
