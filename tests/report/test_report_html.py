"""The report file: self-contained, one figure per chart, numbers taken from the warehouse."""

from __future__ import annotations

import datetime as dt
import json
import re

from jobs.warehouse.duckdb import DuckDBWarehouse
from report import write_report

from .conftest import DAYS, FIRST_DAY, execute

FIGURES = ("backlog", "volume", "tat", "sla", "agents", "pipeline")


def _specs(page: str) -> dict[str, dict]:
    found = re.findall(
        r'<script type="application/json" id="spec-(\w+)">(.*?)</script>', page, re.S
    )
    return {key: json.loads(text) for key, text in found}


def _values(spec) -> list[dict]:
    """Every inline data row of a Vega-Lite spec (`data.values` of any layer or `datasets`)."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("values", "datasets") and isinstance(value, list):
                found += [row for row in value if isinstance(row, dict)]
            elif key == "datasets" and isinstance(value, dict):
                found += [row for rows in value.values() for row in rows]
            else:
                found += _values(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _values(item)
    return found


def test_report_is_one_self_contained_file(settings, small_warehouse, tmp_path):
    path = write_report(settings, small_warehouse, tmp_path / "out" / "report.html")
    assert path == tmp_path / "out" / "report.html"
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+\bsrc=", page), "a script is loaded from elsewhere"
    assert not re.search(r"<link\b", page), "a stylesheet is loaded from elsewhere"
    assert "window.vegaEmbed" in page, "the Vega-Embed bundle is not inlined"
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_every_chart_has_a_title_data_and_a_reading_sentence(settings, small_warehouse, tmp_path):
    page = write_report(settings, small_warehouse, tmp_path / "r.html").read_text()
    specs = _specs(page)
    assert sorted(specs) == sorted(FIGURES)
    for key, spec in specs.items():
        assert _values(spec), f"chart {key} has no data"
        titles = re.findall(r'"title":\{"text":"([^"]+)"', json.dumps(spec, separators=(",", ":")))
        assert titles, f"chart {key} has no title"
        section = page[page.index(f'<section class="figure" id="{key}"') :]
        assert "How to read it:</b>" in section[: section.index("</section>")]
    first, last = FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1)
    assert f"Business days {first} to {last} ({DAYS} days with KPIs)" in page


def test_sla_target_is_a_parameter(settings, small_warehouse, tmp_path):
    default = write_report(settings, small_warehouse, tmp_path / "a.html").read_text()
    custom = write_report(
        settings, small_warehouse, tmp_path / "b.html", sla_target_pct=12.5
    ).read_text()
    assert "target 10 %" in default and "target 12.5 %" not in default
    assert "target 12.5 %" in custom
    rules = [v for v in _values(_specs(custom)["sla"]) if "target" in v]
    assert rules and all(rule == {"target": 12.5} for rule in rules)


def test_changing_one_kpi_row_changes_the_report(settings, small_warehouse, tmp_path):
    day = FIRST_DAY + dt.timedelta(days=4)
    before = write_report(settings, small_warehouse, tmp_path / "before.html").read_text()
    execute(
        small_warehouse.path,
        "UPDATE features_daily SET tickets_created = 4321 WHERE business_date = ?",
        [day],
    )
    after = write_report(settings, small_warehouse, tmp_path / "after.html").read_text()

    def created(page: str) -> int:
        rows = _values(_specs(page)["volume"])
        (row,) = [r for r in rows if r["business_date"].startswith(day.isoformat())]
        return row["tickets_created"]

    assert created(before) == 140
    assert created(after) == 4321


def test_header_numbers_come_from_the_warehouse(settings, small_warehouse, tmp_path):
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    execute(
        small_warehouse.path,
        "UPDATE backlog_daily SET open_eod = 98765 WHERE business_date = ?",
        [last],
    )
    page = write_report(settings, small_warehouse, tmp_path / "r.html").read_text()
    tile = re.search(r'open backlog</div><div class="value">([^<]+)<', page)
    assert tile and tile.group(1) == "98,765"


def test_empty_warehouse_gives_a_page_that_says_so(settings, tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "empty.duckdb")
    warehouse.ensure_tables()
    page = write_report(settings, warehouse, tmp_path / "r.html").read_text()
    assert "Nothing to show yet" in page
    assert _specs(page) == {}
