"""The part of IAM's condition language (CEL) the stacks write, evaluated for one resource.

Allow conditions here test what a resource is (`resource.type == "…"`,
`resource.name.startsWith("…")`); deny conditions may test only its tags
(`resource.matchTag('<project>/<key>', '<value>')`). Both combine with `&&`, `||`,
`!` and parentheses ("Resource attributes for IAM Conditions",
https://cloud.google.com/iam/docs/conditions-resource-attributes; "Deny policies",
https://cloud.google.com/iam/docs/deny-overview; read 2026-12-07). Anything else fails
loudly: a condition the contract cannot read must not count as granted or denied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"\s*(?:(?P<op>&&|\|\||!|\(|\)|,|==)|(?P<string>\"[^\"]*\"|'[^']*')"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*))"
)


class UnreadableCondition(ValueError):
    """A condition outside the subset above."""


@dataclass(frozen=True)
class Resource:
    """What a condition sees of a resource: its type, full name and tags."""

    type: str  # e.g. storage.googleapis.com/Bucket
    name: str  # e.g. projects/_/buckets/<bucket>
    tags: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (namespaced key, value)


def holds(expression: str, resource: Resource) -> bool:
    """Whether `expression` is true for `resource`."""
    parser = _Parser(_tokens(expression), expression, resource)
    value = parser.either()
    if parser.tokens:
        raise UnreadableCondition(f"{expression!r}: unexpected {parser.tokens[0][1]!r}")
    return value


def _tokens(expression: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while at < len(expression.rstrip()):
        match = _TOKEN.match(expression, at)
        if not match:
            raise UnreadableCondition(f"{expression!r}: cannot read from {expression[at:]!r}")
        kind = match.lastgroup
        found.append((kind, match[kind]))
        at = match.end()
    return found


class _Parser:
    """Recursive descent: either := both ('||' both)*; both := one ('&&' one)*."""

    def __init__(self, tokens, expression: str, resource: Resource):
        self.tokens, self.expression, self.resource = tokens, expression, resource

    def take(self, kind: str, text: str | None = None) -> str:
        if not self.tokens or self.tokens[0][0] != kind or text not in (None, self.tokens[0][1]):
            raise UnreadableCondition(f"{self.expression!r}: expected {text or kind}")
        return self.tokens.pop(0)[1]

    def peek(self, text: str) -> bool:
        return bool(self.tokens) and self.tokens[0][1] == text

    def either(self) -> bool:
        value = self.both()
        while self.peek("||"):
            self.take("op", "||")
            value = self.both() or value  # both sides are read, whatever the first gave
        return value

    def both(self) -> bool:
        value = self.one()
        while self.peek("&&"):
            self.take("op", "&&")
            value = self.one() and value
        return value

    def one(self) -> bool:
        if self.peek("!"):
            self.take("op", "!")
            return not self.one()
        if self.peek("("):
            self.take("op", "(")
            value = self.either()
            self.take("op", ")")
            return value
        name = self.take("name")
        if name == "resource.type":
            self.take("op", "==")
            return self.resource.type == self.string()
        if name == "resource.name.startsWith":
            (prefix,) = self.arguments(1)
            return self.resource.name.startswith(prefix)
        if name == "resource.matchTag":
            key, value = self.arguments(2)
            return (key, value) in self.resource.tags
        raise UnreadableCondition(f"{self.expression!r}: {name} is not supported here")

    def arguments(self, count: int) -> list[str]:
        self.take("op", "(")
        values = [self.string()]
        while len(values) < count:
            self.take("op", ",")
            values.append(self.string())
        self.take("op", ")")
        return values

    def string(self) -> str:
        return self.take("string")[1:-1]
