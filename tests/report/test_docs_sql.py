"""Every `sql` example in docs/report.md runs (BigQuery SQL through Warehouse.query)."""

from __future__ import annotations

import re

import pytest

from jobs.config import REPO_ROOT

DOC = REPO_ROOT / "docs" / "report.md"
EXAMPLES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("sql", EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))])
def test_example_runs_and_answers(sql, small_warehouse):
    result = small_warehouse.query(sql)
    assert result.num_rows > 0
    for column in result.columns:
        assert "decimal" not in str(column.type), "cast SUMs to INT64"
