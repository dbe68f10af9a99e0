"""The report opened in headless Chromium: every chart draws marks, the page logs nothing."""

from __future__ import annotations

import re
import struct

import pytest

from jobs.warehouse.duckdb import DuckDBWarehouse
from report import write_report

from .browser import INSTALL_HINT, dump_dom, find_chromium, screenshot
from .conftest import execute

CHARTS = ("backlog", "volume", "tat", "sla", "agents", "pipeline")

chromium = find_chromium()
if chromium is None:  # one visible line in the summary (pytest -ra), not one per test
    pytest.skip(
        f"no Chromium found, browser tests of the report skipped; {INSTALL_HINT}",
        allow_module_level=True,
    )


def _chart_markup(dom: str, key: str) -> str:
    start = dom.index(f'id="chart-{key}"')
    return dom[start : dom.index("</section>", start)]


@pytest.mark.parametrize("failed_attempt", [True, False], ids=["failed-attempt", "all-succeeded"])
def test_every_chart_renders_marks_without_errors(
    failed_attempt, settings, small_warehouse, tmp_path
):
    if not failed_attempt:  # the failed-attempt layer is left out: must still draw cleanly
        execute(small_warehouse.path, "DELETE FROM ingestion_state WHERE status = 'failed'")
    report = write_report(settings, small_warehouse, tmp_path / "report.html")
    loaded = dump_dom(chromium, report.as_uri(), tmp_path / "profile")
    assert loaded.console == [], f"the page wrote to the console: {loaded.console}"
    assert "data-page-errors" not in loaded.dom
    # the inlined JavaScript holds "<body>" strings too: take the page's own tag, the last one
    body = re.findall(r"<body\b[^>]*>", loaded.dom)[-1]
    assert f'data-charts-rendered="{len(CHARTS)}"' in body, body
    assert 'data-chart-errors="0"' in body, body
    for key in CHARTS:
        markup = _chart_markup(loaded.dom, key)
        assert "<svg" in markup, f"chart {key} drew no SVG"
        marks = re.findall(r'<g class="mark-(\w+) role-mark[^"]*"[^>]*>(.*?)</g>', markup, re.S)
        assert marks, f"chart {key} has no marks"
        empty = [kind for kind, inner in marks if not re.search(r"<(path|rect|line|text)\b", inner)]
        assert not empty, f"chart {key} has empty layers: {empty}"
        assert "chart-error" not in markup, f"chart {key} shows an error"


def test_empty_warehouse_page_opens_without_errors(settings, tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "empty.duckdb")
    warehouse.ensure_tables()
    page = write_report(settings, warehouse, tmp_path / "report.html")
    loaded = dump_dom(chromium, page.as_uri(), tmp_path / "profile")
    assert loaded.console == []
    assert "Nothing to show yet" in loaded.dom


def test_screenshot_of_the_report(settings, small_warehouse, tmp_path):
    report = write_report(settings, small_warehouse, tmp_path / "report.html")
    png = screenshot(chromium, report.as_uri(), tmp_path / "report.png", tmp_path / "profile")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 3000)
    assert len(data) > 50_000, "the screenshot is nearly blank"
