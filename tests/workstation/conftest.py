"""The status view reads the report tests' small hand-made warehouse (tests/report)."""

from tests.report.conftest import settings  # noqa: F401 (a fixture)
