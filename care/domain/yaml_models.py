"""One way to read the clinical YAML files: pydantic models, and one style for every mistake.

``load_yaml(path, Model)`` reads with yaml's safe loader (the C one when libyaml is there),
validates with a pydantic model, and turns every problem into one ``ConfigError``:

    messages/pathway.yaml: milestones[3].day: expected a whole number, got 'x'

that is the file, the path inside it, and what is wrong. Models derive from ``YamlModel``
(frozen, unknown fields refused, naming the allowed ones) and use strict numbers and text
(``StrictInt``, ``StrictStr``, ``Count``, ``Text``), so YAML 1.1's surprises are caught: an
unquoted ``yes`` is a boolean, ``12:30`` the number 750, ``"84"`` is not a number.

A check across fields raises ``Problem(message, *where)`` from a validator; ``where`` is the
path below the model that raised it, so the message points at the entry
(``Problem("unknown slot", "checkins", 0, "slot")``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from care.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)


class Problem(ValueError):
    """A mistake a validator found, at ``where`` below the model that raised it."""

    def __init__(self, message: str, *where: str | int) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


class YamlModel(BaseModel):
    """A block of a clinical YAML file: frozen, and an unknown field is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: object) -> object:
        if isinstance(data, dict):
            allowed = set(cls.model_fields)
            extra = sorted(str(key) for key in data if key not in allowed)
            if extra:
                names = ", ".join(sorted(allowed))
                raise Problem(f"unknown field {extra[0]!r}; allowed: {names}")
        return data


def show(value: object) -> str:
    """A value as the error quotes it, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def matching(pattern: re.Pattern[str], hint: str) -> BeforeValidator:
    """Text that matches ``pattern``; the error says ``expected <hint>, got <value>``."""

    def check(value: object) -> object:
        if not isinstance(value, str) or not pattern.match(value):
            raise Problem(f"expected {hint}, got {show(value)}")
        return value

    return BeforeValidator(check)


def _not_blank(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise Problem("must not be empty")
    return value


Count = Annotated[StrictInt, Field(ge=0)]
"""A whole number, 0 or more (YAML ``true`` is not one)."""
Text = Annotated[StrictStr, BeforeValidator(_not_blank)]
"""Text with something in it (YAML ``yes`` or ``12:30`` unquoted is not text)."""


def where_of(path: Path) -> str:
    """How errors name a file: relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def load_yaml(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``; any problem is one ConfigError."""
    source = where_of(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{source}: cannot read the file ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{source}: byte {error.start}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_LOADER)  # the safe loader: no Python objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else "top level"
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise ConfigError(f"{source}: {at}: not valid YAML ({problem})") from None
    return validate(data, model, source=source)


def validate(data: object, model: type[M], *, source: str) -> M:
    """Validate already-parsed YAML data; the first problem becomes a ConfigError."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe(error.errors()[0], source)) from None


def describe(error: ErrorDetails, source: str) -> str:
    """One pydantic error as ``source: path: what is wrong``."""
    loc: tuple[str | int, ...] = tuple(error["loc"])
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    kind = error["type"]
    value = error.get("input")
    if kind == "missing" and loc and isinstance(loc[-1], int):  # a list of fixed length
        return _line(source, loc[:-1], f"the list is too short: no item [{loc[-1]}]")
    if kind == "missing":
        return _line(source, loc[:-1], f"{str(loc[-1])!r} is missing")
    if kind == "extra_forbidden":
        return _line(source, loc[:-1], f"unknown field {str(loc[-1])!r}")
    if loc and loc[-1] == "[key]":  # a mapping's name, not its value
        return _line(source, loc[:-2], f"the name {show(loc[-2])}: {_problem(kind, ctx, value)}")
    cause = ctx.get("error")
    if isinstance(cause, Problem):
        return _line(source, loc + cause.where, cause.message)
    return _line(source, loc, _problem(kind, ctx, value))


def _line(source: str, loc: tuple[str | int, ...], problem: str) -> str:
    return f"{source}: {path_of(loc)}: {problem}"


def path_of(loc: tuple[str | int, ...]) -> str:
    """``("milestones", 3, "day")`` as ``milestones[3].day``; ``()`` as ``top level``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _problem(kind: str, ctx: dict[str, Any], value: object) -> str:
    got = f"got {show(value)}"
    words: dict[str, Callable[[], str]] = {
        "int_type": lambda: f"expected a whole number, {got}",
        "int_parsing": lambda: f"expected a whole number, {got}",
        "int_from_float": lambda: f"expected a whole number, {got}",
        "string_type": lambda: (
            f"expected text, {got} (write yes, no, on and off in quotes)"
            if isinstance(value, bool)
            else f"expected text, {got}"
        ),
        "bool_type": lambda: f"expected true or false, {got}",
        "list_type": lambda: f"expected a list, {got}",
        "tuple_type": lambda: f"expected a list, {got}",
        "dict_type": lambda: f"expected a mapping of names to values, {got}",
        "model_type": lambda: f"expected a mapping of names to values, {got}",
        "greater_than_equal": lambda: f"must be at least {ctx.get('ge')}, {got}",
        "less_than_equal": lambda: f"must be at most {ctx.get('le')}, {got}",
        "too_short": lambda: (
            f"list at least {ctx.get('min_length')}, got {ctx.get('actual_length')}"
        ),
        "too_long": lambda: f"list at most {ctx.get('max_length')}, got {ctx.get('actual_length')}",
        "literal_error": lambda: f"expected {ctx.get('expected')}, {got}",
        "enum": lambda: f"expected {ctx.get('expected')}, {got}",
        "value_error": lambda: str(ctx.get("error", "not valid")),
        "assertion_error": lambda: str(ctx.get("error", "not valid")),
    }
    found = words.get(kind)
    return found() if found is not None else f"{kind.replace('_', ' ')}, {got}"
