"""TOML <-> settings dataclasses, generically from their fields and type hints.

:func:`build_dataclass` makes a frozen settings object from a TOML table, recording every
problem under its TOML key (unknown keys with a "did you mean", expected vs got types,
the dataclass's own validation); :func:`plain` turns settings back into TOML data and
:func:`dumps` writes it as text. A new field of a settings dataclass is readable and
writable here as soon as it exists. ``"none"`` stands for None.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from towerplan.errors import TowerplanError

__all__ = ["BAD", "NONE", "build_dataclass", "convert", "dumps", "field_default", "plain", "show", "suggest",
           "toml_type", "unknown"]

NONE = "none"


# ------------------------------------------------------------------ types
class _Bad:
    """Marker: a value that failed to convert (its problem is recorded)."""


BAD = _Bad()


def toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(hint: Any) -> str:
    """A hint in TOML words ("a number", "one of 'a', 'b'", "an array of strings")."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is bool:
        return "a boolean (true/false)"
    if hint is int:
        return "an integer"
    if hint is float:
        return "a number"
    if hint in (str, Path):
        return "a string"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        text = " or ".join(_expected(a) for a in inner)
        return text + (f' or "{NONE}"' if type(None) in args else "")
    if origin is tuple:
        return f"an array of {_expected(args[0]).removeprefix('a ').removeprefix('an ')}s" if args else "an array"
    if dataclasses.is_dataclass(hint) or origin in (dict, Mapping, typing.Mapping):
        return "a table"
    return str(hint)


def convert(value: Any, hint: Any, key: str, problems: list[str], default: Any = None) -> Any:
    """``value`` from TOML as ``hint`` says; problems recorded under ``key``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is None:
        return value
    if origin in (typing.Union, types.UnionType):
        if type(None) in args and isinstance(value, str) and value.lower() == NONE:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return convert(value, inner[0], key, problems, default)
        for arg in inner:
            scratch: list[str] = []
            out = convert(value, arg, key, scratch, default)
            if not scratch:
                return out
        problems.append(f"{key}: expected {_expected(hint)}, got {toml_type(value)} {show(value)}")
        return BAD
    if origin is Literal:
        if value in args and type(value) is type(next(a for a in args if a == value)):
            return value
        near = difflib.get_close_matches(str(value), [str(a) for a in args], n=1, cutoff=0.6)
        hint_text = f" (did you mean {near[0]!r}?)" if near else ""
        problems.append(f"{key}: expected {_expected(hint)}, got {show(value)}{hint_text}")
        return BAD
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif hint is Path:
        if isinstance(value, str) and value:
            return Path(value)
    elif origin is tuple:
        if isinstance(value, list):
            fixed = not (len(args) == 2 and args[1] is Ellipsis)
            if fixed and len(value) != len(args):
                problems.append(f"{key}: expected an array of {len(args)} values, got {len(value)}")
                return BAD
            n0 = len(problems)
            items = [convert(v, args[i] if fixed else args[0], f"{key}[{i}]", problems)
                     for i, v in enumerate(value)] if args else list(value)
            return BAD if len(problems) > n0 else tuple(items)
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, dict):
            base = default if dataclasses.is_dataclass(default) and not isinstance(default, type) else None
            return build_dataclass(hint, value, key, problems, base=base)
    elif origin in (dict, Mapping, typing.Mapping) or hint in (dict, Mapping):
        if isinstance(value, dict):
            vt = args[1] if len(args) == 2 else Any
            base_map = dict(default) if isinstance(default, Mapping) else {}
            n0 = len(problems)
            out = dict(base_map)
            for k, v in value.items():
                out[k] = convert(v, vt, f"{key}.{k}", problems, base_map.get(k))
            return BAD if len(problems) > n0 else out
    else:
        return value  # a type this converter does not know: the dataclass checks it
    problems.append(f"{key}: expected {_expected(hint)}, got {toml_type(value)} {show(value)}")
    return BAD


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):  # an annotation that does not resolve: infer from the defaults
        out: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            d = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
            out[f.name] = Any if d is None else (float if isinstance(d, float) else type(d))
        return out


def suggest(key: str, known: Iterable[str]) -> str:
    near = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def unknown(key: str, path: str, known: Iterable[str], problems: list[str], *, what: str = "key") -> None:
    problems.append(f"{path}: unknown {what}{suggest(key, known)}")


def build_dataclass(
    cls: type,
    data: Any,
    path: str,
    problems: list[str],
    *,
    base: Any = None,
    skip: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
    renamed: Mapping[str, str] | None = None,
    elsewhere: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Any:
    """A ``cls`` from a TOML table, field by field (``base``'s values for keys not given).

    ``skip``: keys of the table handled by the caller; ``aliases``: other names for fields;
    ``renamed``: file key -> field whose own name is not accepted; ``elsewhere``: field ->
    section where it must be written; ``extra``: field values set by the caller.
    """
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a table, got {toml_type(data)} {show(data)}")
        return BAD
    aliases = dict(aliases or {})
    renamed = dict(renamed or {})
    elsewhere = dict(elsewhere or {})
    hints = _hints(cls)
    init = [f.name for f in dataclasses.fields(cls) if f.init]
    hidden = set(renamed.values()) | set(elsewhere)
    names = {n: n for n in init if n not in hidden}
    names.update({a: f for a, f in aliases.items()})
    names.update(renamed)
    known = [*names, *skip]
    kwargs: dict[str, Any] = dict(extra or {})
    n0 = len(problems)
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        if key in skip:
            continue
        if key in elsewhere:
            problems.append(f"{where}: set it in its own section [{elsewhere[key]}]")
            continue
        name = names.get(key)
        if name is None:
            unknown(key, where, known, problems)
            continue
        if name in kwargs and key != name:
            problems.append(f"{where}: given twice (also as {name!r})")
            continue
        default = getattr(base, name) if base is not None else field_default(cls, name)
        out = convert(value, hints.get(name, Any), where, problems, default)
        if out is not BAD:
            kwargs[name] = out
    if len(problems) > n0:
        return BAD
    try:
        return dataclasses.replace(base, **kwargs) if base is not None else cls(**kwargs)
    except (TowerplanError, ValueError, TypeError) as exc:
        problems.append(f"{path or cls.__name__}: {exc}")
        return BAD


def field_default(cls: type, name: str) -> Any:
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
    return None



# ------------------------------------------------------------------ write
def plain(value: Any, default: Any = dataclasses.MISSING) -> Any:
    """A setting as TOML data (dataclasses as tables, tuples as arrays, None as "none")."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            v = getattr(value, f.name)
            if v is None:
                d = field_default(type(value), f.name)
                if d is None:
                    continue  # the default: leave it out
                out[f.name] = NONE
            else:
                out[f.name] = plain(v)
        return out
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None:
        return NONE
    return value



_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps(doc: Mapping[str, Any]) -> str:
    """TOML text of a document of tables (tables of tables as [a.b] sections)."""
    lines: list[str] = []

    def table(path: list[str], data: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in data.items() if not isinstance(v, dict) or (path == ["inputs"] and k == "demo")}
        nested = {k: v for k, v in data.items() if k not in scalars}
        if scalars or not nested:
            lines.append("[" + ".".join(_key(p) for p in path) + "]")
            lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
            lines.append("")
        for k, v in nested.items():
            table([*path, k], v)

    for name, data in doc.items():
        table([name], data)
    return "\n".join(lines)

