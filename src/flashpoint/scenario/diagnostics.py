"""Turn validation failures into messages a scenario author can act on.

Each message names the file, the line where it can be found, the field path, the bad value and
what is allowed, e.g.::

    idlib-2020.toml:212: forces.ground.saa-25th.morale: must be between 0 and 1 (got 1.4)
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from flashpoint.errors import FlashpointError
from flashpoint.scenario.references import Problem

MAX_LISTED = 20


def dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------------------- locating lines
_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
_PART = r"(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)"
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _split_key(text: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", text)
    return [a or b or c for a, b, c in parts]


def locate_line(text: str, loc: Sequence[str | int]) -> int | None:
    """The line (1-based) of the TOML text that best matches the field path ``loc``."""
    target = [str(p) for p in loc]
    best, best_len = None, 0
    table: list[str] = []
    arrays: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.split("\n"), start=1):  # lines as editors count them
        head = _HEADER.match(line)
        if head and not _KEY.match(line):
            path = _split_key(head.group(2))
            if head.group(1) == "[[":
                key = tuple(path)
                arrays[key] = arrays.get(key, -1) + 1
                path = path + [str(arrays[key])]
            table = path
            candidate = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            candidate = table + _split_key(key.group(1))
        n = 0
        while n < min(len(candidate), len(target)) and candidate[n] == target[n]:
            n += 1
        if n == len(candidate) and n > best_len:
            best, best_len = number, n
    return best


# ------------------------------------------------------------------------- schema walking
def _unwrap(tp: Any) -> list[Any]:
    """The concrete types a (possibly Annotated / Optional / union) annotation may hold."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(tp) for t in _unwrap(arg)]
    return [tp]


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that holds the field at ``loc`` (None when the path leaves the schema)."""
    current: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            origin = typing.get_origin(tp)
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                fields = {f.alias or name: f for name, f in tp.model_fields.items()}
                fields.update(tp.model_fields)
                if part in fields:
                    nxt.extend(_unwrap(fields[part].annotation))
            elif origin is dict:
                nxt.extend(_unwrap(typing.get_args(tp)[1]))
            elif origin is list and isinstance(part, int):
                nxt.extend(_unwrap(typing.get_args(tp)[0]))
        current = nxt
    models = [t for t in current if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if len(models) == 1 else None


def _allowed_fields(root: type[BaseModel], parent: Sequence[str | int]) -> str:
    model = _model_at(root, parent)
    if model is None:
        return ""
    names = [f.alias or name for name, f in model.model_fields.items()]
    return "; allowed: " + ", ".join(names)


# ------------------------------------------------------------------------- messages
def _clean_loc(loc: Sequence[str | int], data: Any) -> tuple[str | int, ...]:
    """Drop the union-member tags pydantic adds (``float``, ``triangular``, ``losses``...) to a path."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and node.get("on") == part:
            continue  # the tag of a tagged union: a trigger's kind ("losses"), its value of "on"
        elif isinstance(node, dict) and not isinstance(part, int) and "[" not in str(part) \
                and part not in _UNION_TAGS:
            out.append(part)  # a missing or unknown key: keep it, it is what the error is about
            node = None
        else:
            continue
    return tuple(out)


_UNION_TAGS = {"float", "int", "str", "bool", "list[str]", "normal", "lognormal", "triangular",
               "uniform", "beta"}


_NUMBER_KINDS = {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}


def _not_a_number(kind: str, value: Any) -> str | None:
    """What is wrong with a value given where a number belongs (None: nothing special to say)."""
    whole = kind.startswith("int")
    wanted = "a whole number" if whole else "a number"
    if isinstance(value, bool):
        return f"must be {wanted}, not a boolean"
    if isinstance(value, str):
        return f"must be {wanted}, not text: write it without quotes"
    if isinstance(value, int) and not whole:
        return "is too large: a number must be finite, at most about 1.8e308"
    if isinstance(value, float) and whole:
        return "must be a whole number, without a decimal point"
    return None


def _dist_fields(data: Any, loc: Sequence[str | int]) -> str:
    """The parameters of the distribution written at ``loc`` (empty when it is not one)."""
    # cycle: distributions imports diagnostics for its messages
    from flashpoint.scenario.distributions import DIST_CLASSES

    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return ""
    cls = DIST_CLASSES.get(node.get("dist")) if isinstance(node, dict) and isinstance(node.get("dist"), str) \
        else None
    if cls is None:
        return ""
    return f"; a {node['dist']} distribution takes: " + ", ".join(f.alias or n for n, f in cls.model_fields.items())


def _message(err: dict, root: type[BaseModel], loc: tuple, data: Any = None) -> str:
    kind, msg = err["type"], err["msg"]
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in _NUMBER_KINDS:
        special = _not_a_number(kind, err.get("input"))
        if special:
            return special
    if kind == "finite_number":
        return "must be a finite number, not inf or nan"
    if kind == "extra_forbidden":
        return f"unknown field '{loc[-1]}'" + (_dist_fields(data, loc[:-1]) or _allowed_fields(root, loc[:-1]))
    if kind == "missing":
        return "required field is missing"
    ctx = err.get("ctx") or {}
    key = str(ctx.get("discriminator", "")).strip("'")
    if kind == "union_tag_invalid" and key == "dist":
        return "unknown distribution; 'dist' must be one of normal, lognormal, triangular, uniform, beta"
    if kind == "union_tag_not_found" and key == "dist":
        return "a distribution needs a 'dist' key: normal, lognormal, triangular, uniform or beta"
    if kind == "union_tag_invalid":  # e.g. a decision trigger: on = "losses", "place-lost", ...
        return f"unknown '{key}' value {ctx.get('tag')!r}; '{key}' must be one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"the key '{key}' is missing: it tells which kind of entry this is"
    return msg[0].lower() + msg[1:] if msg else kind


def validation_messages(
    exc: ValidationError, data: Any, root: type[BaseModel]
) -> list[tuple[tuple, Any, str]]:
    """(path, value, message) for each distinct problem pydantic found."""
    grouped: dict[tuple, list[dict]] = {}
    for err in exc.errors():
        grouped.setdefault(_clean_loc(err["loc"], data), []).append(err)
    above = {loc[:k] for loc in grouped for k in range(len(loc))}  # paths with a problem below them
    out = []
    for loc, errs in grouped.items():
        kinds = {e["type"] for e in errs}
        if loc in above and isinstance(errs[0].get("input"), dict):
            # a distribution table with a bad parameter: the parameter's own problem says it all,
            # the other branch of "number or distribution" ("not a valid number") says nothing
            errs = [e for e in errs if e["type"] not in _NUMBER_KINDS]
            if not errs:
                continue
            kinds = {e["type"] for e in errs}
        if kinds & {"float_parsing", "float_type"} and kinds & {"model_attributes_type", "dict_type"}:
            value = errs[0].get("input")
            special = _not_a_number("float_type", value)
            out.append((loc, value, special or "must be a number or a distribution table such as "
                                               "{ dist = \"uniform\", low = 1, high = 2 }"))
            continue
        if len(errs) > 1:  # a union: keep the branch that matches the kind of input given
            structural = [e for e in errs if e["type"] not in ("float_type", "float_parsing",
                                                               "int_type", "string_type")]
            errs = structural or errs[:1]
        for err in errs[:1] if len(errs) > 1 and loc else errs:
            out.append((loc, err.get("input"), _message(err, root, loc, data)))
    return out


def format_problems(file: str, text: str | None, problems: Iterable[tuple[tuple, Any, str]],
                    heading: str = "") -> str:
    problems = list(problems)
    lines = []
    for loc, value, message in problems[:MAX_LISTED]:  # cut first: finding a line reads the whole text
        line = locate_line(text, loc) if text else None
        where = f"{file}:{line}" if line else file
        got = "" if value is None or message.startswith(("unknown field", "required")) \
            else f" (got {_short(value)})"
        lines.append(f"{where}: {dotted(loc)}: {message}{got}")
    if len(problems) > MAX_LISTED:
        lines.append(f"... and {len(problems) - MAX_LISTED} more problems")
    return heading + "\n".join(lines)


def raise_problems(file: str, text: str | None, problems: list[Problem] | list[tuple],
                   heading: str = "") -> typing.NoReturn:
    triples = [(p.loc, p.value, p.message) if isinstance(p, Problem) else p for p in problems]
    raise FlashpointError(format_problems(file, text, triples, heading))
