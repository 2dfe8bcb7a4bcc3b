"""Where each schema field lives on a Django model: the field → model path mapping.

By default a field is the model field of the same name. `overrides` map a
schema field to another model path (`"owner__name"`, joins included), a
`custom` field to a JSONField (`Json`), a `string_array` field to a JSONField
holding an array (`JsonArray`) or to a related model reached through an
`Exists` subquery (`Related`, e.g. members through a join table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models

from ..errors import Code, FilterError
from ..field_types import FieldType
from ..schema import Schema


@dataclass(frozen=True, slots=True)
class Scalar:
    """A model path holding one value (or NULL for missing)."""

    path: str
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class Json:
    """A JSONField holding an object, addressed by `custom.<path>`."""

    path: str


@dataclass(frozen=True, slots=True)
class JsonArray:
    """A JSONField holding an array of strings."""

    path: str


@dataclass(frozen=True, slots=True)
class Related:
    """One row of `model` per element: `link` is its path to the paged model's
    primary key, `value` the element's field (`Related(CallMember, "call", "user_id")`)."""

    model: type[models.Model]
    link: str
    value: str


Target = Scalar | Json | JsonArray | Related


@dataclass(frozen=True, eq=False)
class DjangoMapping:
    """Compared and hashed by identity."""

    schema: Schema
    model: type[models.Model]
    targets: Mapping[str, Target]

    def target(self, name: str) -> Target:
        try:
            return self.targets[name]
        except KeyError:
            raise FilterError.single(
                Code.UNSUPPORTED, f"field {name!r} is not stored in this model", ("filter_conditions",)
            ) from None

    def model_field(self, path: str) -> models.Field[Any, Any]:
        return model_field(self.model, path)


def model_field(model: Any, path: str) -> models.Field[Any, Any]:
    """The model field at the end of a `__` path."""
    found: Any = None
    for name in path.split("__"):
        found = model._meta.get_field(name)
        model = found.related_model
    assert isinstance(found, models.Field)
    return found


def map_model(
    schema: Schema, model: type[models.Model], overrides: Mapping[str, Target | str] | None = None
) -> DjangoMapping:
    """A mapping of `schema` onto `model`; fields not in `overrides` are the
    same-named model field. Hidden fields must be mapped too (SPEC §8)."""
    given = dict(overrides or {})
    unknown = set(given) - set(schema.by_name)
    if unknown:
        raise ValueError(f"overrides for unknown field(s): {', '.join(sorted(unknown))}")
    targets: dict[str, Target] = {}
    for f in schema.fields:
        target = given.get(f.name, f.name)
        targets[f.name] = target if not isinstance(target, str) else _wrap(model, f.type, target)
    tie = targets[schema.tie_breaker]
    if not isinstance(tie, Scalar):
        raise ValueError(f"tie-breaker {schema.tie_breaker!r} must map to a model field")
    targets[schema.tie_breaker] = Scalar(tie.path, nullable=False)
    return DjangoMapping(schema, model, targets)


def _wrap(model: type[models.Model], kind: FieldType, path: str) -> Target:
    if kind is FieldType.CUSTOM:
        return Json(path)
    if kind is FieldType.STRING_ARRAY:
        return JsonArray(path)
    try:
        field = model_field(model, path)
    except Exception as exc:
        raise ValueError(f"no model field {path!r} on {model.__name__}; map it with overrides") from exc
    return Scalar(path, nullable=bool(field.null))
