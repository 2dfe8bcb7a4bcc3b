"""Text -> filter AST, validated exactly like JSON.

The parser's transformer builds a small tree of `Part`s as it reduces; the
parts are then written out as the equivalent `filter_conditions` (in the shape
`to_json` gives, so `$and`/`$or` depth is the same) and handed to
`parse_filter`: one validator, one set of codes and messages for both syntaxes.

Limits are checked while parsing, before the input is read further: the
number of conditions, list lengths, `$and`/`$or` depth and parenthesis depth.
The transformer is built into the parser once, so the per-call state (the
schema's limits, the count so far) lives in a context variable.

For text, a problem's `path` is its path in the equivalent JSON filter (what
`stream-filters format --to json` prints); its context adds `line`, `column`
(1-based, in characters), `offset` and `end` (0-based character offsets).
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedInput

from ..ast import Node
from ..errors import Code, FilterError, Path, Problem, describe
from ..limits import Breach, LimitExceeded, Limits, request_too_large, too_deep, too_many_conditions, too_many_values
from ..parser import allowed_logical, parse_filter
from ..schema import Schema
from ..timestamps import TimestampError, parse_rfc3339_ns
from .grammar import grammar_source
from .positions import pointed
from .syntax import syntax_error

ROOT: Path = ("filter_conditions",)

OPERATOR_TOKENS = {
    "EQ": "$eq",
    "GT": "$gt",
    "GTE": "$gte",
    "LT": "$lt",
    "LTE": "$lte",
    "IN": "$in",
    "STARTSWITH": "$autocomplete",
    "MATCHES": "$q",
    "NE": "$ne",
    "NIN": "$nin",
    "CONTAINS": "$contains",
}


# -- parts: what the transformer builds ------------------------------------------


@dataclass(slots=True)
class Value:
    """A literal or list as JSON, with its span and its items' spans."""

    json: Any
    start: int
    end: int
    items: list[Value] = field(default_factory=list)


@dataclass(slots=True)
class Leaf:
    """`name op operand`: one entry of a JSON condition object."""

    name: str
    op: str
    operand: Value
    start: int
    end: int
    depth: int = 0


@dataclass(slots=True)
class Everything:
    """`()`: the empty filter `{}`."""

    start: int
    end: int
    depth: int = 0


@dataclass(slots=True)
class Compound:
    """An `and`/`or` chain, flattened through parentheses.

    An `and` is laid out as one JSON object exactly as `ast.to_json` lays out
    an `And` (conditions as entries, the first `or` as the `$or` entry, the
    rest in one `$and` entry; everything in `$and` when that cannot keep the
    order), so `depth`, the `$and`/`$or` nesting it writes, is what the JSON
    form of the same filter counts against the limit.
    """

    logical: str  # "$and", "$or" or "$nor"
    start: int
    end: int
    children: list[Part] = field(default_factory=list)
    layout: dict[str, Any] | None = field(default_factory=dict)  # None: all in `$and`
    depth: int = 0

    def add(self, child: Part) -> None:
        self.children.append(child)
        entry_depth = child.depth + 1 if self.logical != "$and" else self._place(child)
        self.depth = max(self.depth, entry_depth)

    def _place(self, child: Part) -> int:
        """Lay `child` out as `to_json` would; returns the depth its entry takes."""
        layout = self.layout
        if layout is None:
            return child.depth + 1
        last = next(reversed(layout), None)
        if isinstance(child, Compound) and child.logical != "$and" and child.logical not in layout:
            layout[child.logical] = child
            return child.depth
        if last == "$and":
            layout["$and"].append(child)
            return child.depth + 1
        if isinstance(child, Leaf) and (
            child.name not in layout or (last == child.name and child.op not in layout[child.name])
        ):
            layout.setdefault(child.name, {})[child.op] = child
            return 0
        if "$and" not in layout:
            layout["$and"] = [child]
            return child.depth + 1
        self.layout = None
        return max(c.depth for c in self.children) + 1


Part = Leaf | Everything | Compound


# -- per-call state -------------------------------------------------------------


@dataclass(slots=True)
class _Reading:
    text: str
    limits: Limits
    logical: tuple[str, ...]  # the filter-level operators the schema allows, for messages
    conditions: int = 0
    parens: int = 0
    # Bare tokens that look like timestamps but are not: (start, end, error).
    # Reported once the JSON path of each is known, as JSON reports them.
    bad_timestamps: list[tuple[int, int, str]] = field(default_factory=list)

    def breach(self, breach: Breach, start: int, end: int) -> LimitExceeded:
        """The error that stops the reading, at `start:end`; `context.limit` is the limit."""
        return LimitExceeded([self._problem(breach.code, breach.message, start, end, limit=breach.limit)])

    def invalid(self, code: Code, message: str, start: int, end: int) -> FilterError:
        return FilterError([self._problem(code, message, start, end)])

    def _problem(self, code: Code, message: str, start: int, end: int, **context: Any) -> Problem:
        text, where = pointed(message, self.text, start, end)
        return Problem(code, text, ROOT, {**context, **where})


_READING: ContextVar[_Reading] = ContextVar("stream_filters_text_reading")


@v_args(inline=True)
class _Builder(Transformer[Token, Any]):
    """Grammar rule -> Part. Method names are the rule aliases in filter.lark."""

    def start(self, part: Part | None = None) -> Part:
        return Everything(0, 0) if part is None else part

    def any_of(self, left: Part, _op: Token, right: Part) -> Compound:
        return self._chain("$or", left, right)

    def all_of(self, left: Part, _op: Token, right: Part) -> Compound:
        return self._chain("$and", left, right)

    def group(self, lpar: Token, inner: Part, rpar: Token) -> Part:
        if isinstance(inner, Compound):
            inner.start, inner.end = _start(lpar), _end(rpar)
        return inner

    def none_of(self, word: Token, lpar: Token, inner: Part, rpar: Token) -> Compound:
        """`not (a or b)`: `$nor` of the `or`'s children (`ast.nor` spreads them too)."""
        chain = Compound("$nor", _start(word), _end(rpar))
        for child in inner.children if isinstance(inner, Compound) and inner.logical == "$or" else (inner,):
            chain.add(child)
        self._check_chain(chain)
        return chain

    def everything(self, lpar: Token, rpar: Token) -> Everything:
        return Everything(_start(lpar), _end(rpar))

    def compare(self, name: Token, op: Token, operand: Value | Token) -> Leaf:
        return self._leaf(name, OPERATOR_TOKENS[op.type], _value(operand))

    def existence(self, name: Token, word: Token) -> Leaf:
        return self._leaf(name, "$exists", Value(word.type == "EXISTS", _start(word), _end(word)))

    def empty_list(self, lsqb: Token, rsqb: Token) -> Value:
        return Value([], _start(lsqb), _end(rsqb))

    def first_item(self, lsqb: Token, token: Token) -> Value:
        item = _value(token)
        return Value([item.json], _start(lsqb), item.end, [item])

    def next_item(self, items: Value, _comma: Token, token: Token) -> Value:
        item = _value(token)
        reading = _READING.get()
        if len(items.items) >= reading.limits.max_in_values:
            breach = too_many_values("a list", None, reading.limits.max_in_values)
            raise reading.breach(breach, items.start, item.end)
        items.json.append(item.json)
        items.items.append(item)
        items.end = item.end
        return items

    def list(self, items: Value, rsqb: Token) -> Value:
        items.end = _end(rsqb)
        return items

    # -- helpers -------------------------------------------------------------

    def _leaf(self, name: Token, op: str, operand: Value) -> Leaf:
        reading = _READING.get()
        reading.conditions += 1
        if reading.conditions > reading.limits.max_conditions:
            breach = too_many_conditions(reading.limits.max_conditions)
            raise reading.breach(breach, _start(name), operand.end)
        return Leaf(str(name), op, operand, _start(name), operand.end)

    def _chain(self, logical: str, left: Part, right: Part) -> Compound:
        if isinstance(left, Compound) and left.logical == logical:
            chain = left
        else:
            chain = Compound(logical, left.start, left.end)
            chain.add(left)
        for child in right.children if isinstance(right, Compound) and right.logical == logical else (right,):
            chain.add(child)
        chain.end = right.end
        self._check_chain(chain)
        return chain

    def _check_chain(self, chain: Compound) -> None:
        reading = _READING.get()
        limits = reading.limits
        if len(chain.children) > limits.max_conditions:
            breach = too_many_conditions(limits.max_conditions, chain.logical, len(chain.children))
            raise reading.breach(breach, chain.start, chain.end)
        if chain.depth > limits.max_depth:
            raise reading.breach(too_deep(reading.logical, limits.max_depth), chain.start, chain.end)


def _start(token: Token) -> int:
    return token.start_pos or 0


def _end(token: Token) -> int:
    return token.end_pos or 0


def _value(operand: Value | Token) -> Value:
    """A literal token (the grammar inlines `scalar`) as a Value; lists already are."""
    if isinstance(operand, Value):
        return operand
    return Value(_LITERALS[operand.type](operand), _start(operand), _end(operand))


def _string(token: Token) -> str:
    if "\\" not in token:
        return token[1:-1]  # the grammar admits no control characters: nothing to decode
    decoded: str = json.loads(token)
    return decoded


def _number(token: Token) -> Any:
    try:
        return json.loads(token)
    except ValueError:  # beyond Python's 4300-digit limit for int()
        reading = _READING.get()
        raise reading.invalid(
            Code.INVALID_OPERAND, f"number of {len(token)} characters is too long", _start(token), _end(token)
        ) from None


def _timestamp(token: Token) -> str:
    """A bare timestamp is the string with its text; one that starts like a
    date but is not a valid timestamp is `invalid_datetime` whatever the field
    (reported by `read` at its JSON path)."""
    try:
        parse_rfc3339_ns(token)
    except TimestampError as exc:
        _READING.get().bad_timestamps.append((_start(token), _end(token), f"{describe(str(token))}: {exc}"))
    return str(token)


_LITERALS: dict[str, Any] = {
    "STRING": _string,
    "NUMBER": _number,
    "TIMESTAMP": _timestamp,
    "TRUE": lambda _: True,
    "FALSE": lambda _: False,
    "NULL": lambda _: None,
}


def _open(token: Token) -> Token:
    """Count `(` as it is lexed: a deep nest stops at its first excess `(`,
    before the parser has shifted the rest."""
    reading = _READING.get()
    reading.parens += 1
    if reading.parens > reading.limits.max_depth:
        breach = too_deep("parentheses", reading.limits.max_depth)
        raise reading.breach(breach, _start(token), _end(token))
    return token


def _close(token: Token) -> Token:
    _READING.get().parens -= 1
    return token


@cache
def _parser() -> Lark:
    """Built once: the transformer runs as rules reduce, so no tree is built."""
    return Lark(
        grammar_source(),
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        lexer_callbacks={"LPAR": _open, "RPAR": _close},
    )


# -- the JSON equivalent ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    name: str | None = None  # the field, for problems about a condition


def to_filter_json(part: Part, path: Path, spans: dict[Path, Span]) -> dict[str, Any]:
    """`part` as `filter_conditions`, recording where each JSON path came from.

    Recursion is bounded: the transformer refused parts deeper than the limit.
    """
    if isinstance(part, Leaf):
        return {part.name: _operators({part.op: part}, (*path, part.name), spans)}
    spans[path] = Span(part.start, part.end)
    if isinstance(part, Everything):
        return {}
    if part.logical != "$and" or part.layout is None:
        return {part.logical: _list(part.children, (*path, part.logical), spans)}
    out: dict[str, Any] = {}
    for key, entry in part.layout.items():
        if key in ("$or", "$nor"):
            out[key] = _list(entry.children, (*path, key), spans)
        elif key == "$and":
            out[key] = _list(entry, (*path, key), spans)
        else:
            out[key] = _operators(entry, (*path, key), spans)
    return out


def _list(parts: list[Part], path: Path, spans: dict[Path, Span]) -> list[dict[str, Any]]:
    spans.setdefault(path, Span(parts[0].start, parts[-1].end))
    return [to_filter_json(child, (*path, i), spans) for i, child in enumerate(parts)]


def _operators(leaves: dict[str, Leaf], path: Path, spans: dict[Path, Span]) -> dict[str, Any]:
    """`{op: operand}` for one field's entry, recording the spans of its parts."""
    first = next(iter(leaves.values()))
    spans[path] = Span(first.start, first.end, first.name)
    out = {}
    for op, leaf in leaves.items():
        out[op] = leaf.operand.json
        spans[(*path, op)] = Span(leaf.operand.start, leaf.operand.end, leaf.name)
        for i, item in enumerate(leaf.operand.items):
            spans[(*path, op, i)] = Span(item.start, item.end, leaf.name)
    return out


# -- entry point -------------------------------------------------------------------


def read(schema: Schema, text: str) -> tuple[dict[str, Any], dict[Path, Span]]:
    """The JSON filter `text` stands for, and where each of its paths came from.

    Raises FilterError for syntax errors and for limits found while parsing.
    """
    if not isinstance(text, str):
        raise FilterError.single(Code.INVALID_TYPE, f"filter text must be a string, got {type(text).__name__}", ROOT)
    limits = schema.limits
    if len(text) > limits.max_request_bytes:
        raise request_too_large("filter text", len(text), "characters", limits.max_request_bytes).at(ROOT)
    reading = _Reading(text, limits, allowed_logical(schema.logical))
    token = _READING.set(reading)
    try:
        part = cast(Part, _parser().parse(text))
    except UnexpectedInput as exc:
        raise syntax_error(text, exc, ROOT) from None
    except LarkError as exc:  # not expected from an LALR parse; never let one escape
        raise FilterError.single(Code.SYNTAX_ERROR, f"cannot parse filter text: {exc}", ROOT) from None
    finally:
        _READING.reset(token)
    spans: dict[Path, Span] = {}
    obj = to_filter_json(part, ROOT, spans)
    if reading.bad_timestamps:
        raise FilterError([_bad_timestamp(text, spans, *bad) for bad in reading.bad_timestamps])
    return obj, spans


def _bad_timestamp(text: str, spans: dict[Path, Span], start: int, end: int, error: str) -> Problem:
    """The invalid_datetime problem of a bare token, at the JSON path of the
    operand or list item it is, with the field named as JSON names it."""
    path, span = next(((p, s) for p, s in spans.items() if (s.start, s.end) == (start, end)), (ROOT, Span(start, end)))
    message, where = pointed(f"{span.name}: {error}" if span.name else error, text, start, end)
    return Problem(Code.INVALID_DATETIME, message, path, where)


def parse_text(schema: Schema, text: str) -> Node:
    """Validate a filter written in text syntax into the same AST as its JSON form."""
    obj, spans = read(schema, text)
    try:
        return parse_filter(schema, obj, ROOT)
    except FilterError as exc:  # the same class: a LimitExceeded stays one
        raise type(exc)([_place(problem, text, spans) for problem in exc.problems]) from None


def _place(problem: Problem, text: str, spans: dict[Path, Span]) -> Problem:
    """The problem with the text position of the longest known prefix of its path."""
    path = problem.path
    span = next((spans[path[:n]] for n in range(len(path), 0, -1) if path[:n] in spans), None)
    if span is None:
        return problem
    message = problem.message
    if problem.code is Code.NULL_OPERAND and span.name is not None:
        message = f"null is not a value to compare with: write `{span.name} missing` to match a missing or null value"
    placed, where = pointed(message, text, span.start, span.end)
    return Problem(problem.code, placed, path, {**problem.context, **where})
