"""IAM conditions as the contract reads them: the hand-worked truth of each expression."""

from __future__ import annotations

import pytest

from rehearsal.conditions import Resource, UnreadableCondition, holds

OBJECT = Resource(
    "storage.googleapis.com/Object", "projects/_/buckets/gcf-v2-sources-1-x/objects/a"
)
BUCKET = Resource(
    "storage.googleapis.com/Bucket",
    "projects/_/buckets/state",
    frozenset({("p/tickets-dev-runner", "read-only")}),
)
GOOGLE = (  # Google's condition for a custom build account
    '(resource.type == "storage.googleapis.com/Object" && '
    '(resource.name.startsWith("projects/_/buckets/gcf-v2-sources-") || '
    'resource.name.startsWith("projects/_/buckets/gcf-v2-uploads-") || '
    'resource.name.startsWith("projects/_/buckets/run-sources-")))'
)


@pytest.mark.parametrize(
    "expression, resource, expected",
    [
        (GOOGLE, OBJECT, True),
        (GOOGLE, Resource("storage.googleapis.com/Bucket", OBJECT.name), False),  # not an object
        (GOOGLE, Resource(OBJECT.type, "projects/_/buckets/landing/objects/a"), False),
        ("resource.matchTag('p/tickets-dev-runner', 'read-only')", BUCKET, True),
        ("resource.matchTag('p/tickets-dev-runner', 'writable')", BUCKET, False),
        ("!resource.matchTag('p/tickets-dev-runner', 'read-only')", BUCKET, False),
        ("resource.matchTag('p/other', 'read-only') || !(resource.type == \"x\")", BUCKET, True),
        ('resource.type == "x" && resource.name.startsWith("projects")', BUCKET, False),
    ],
)
def test_expressions(expression, resource, expected):
    assert holds(expression, resource) is expected


@pytest.mark.parametrize(
    "expression",
    [
        'resource.service == "storage.googleapis.com"',  # an attribute the contract cannot read
        'request.time < timestamp("2026-01-01T00:00:00Z")',
        "resource.matchTag('p/k')",  # one argument short
        '(resource.type == "x"',  # unbalanced
    ],
)
def test_what_it_cannot_read_fails_loudly(expression):
    with pytest.raises(UnreadableCondition):
        holds(expression, BUCKET)
