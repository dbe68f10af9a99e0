"""The report page: one HTML file with its styles, Vega-Embed bundle and chart data inlined.

The JavaScript (Vega, Vega-Lite, Vega-Embed) comes from the `vl-convert-python`
wheel, so writing and opening the page needs no network. Charts render as SVG.
After rendering, the page sets `data-charts-rendered` / `data-chart-errors` on
<body>, and counts uncaught errors in `data-page-errors` on <html>, so a
headless browser (the tests) can tell that every chart drew.
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass

from report.charts import Figure

VEGA_LITE_VERSION = "6.4"  # must be one vl-convert bundles: vl_convert.get_vegalite_versions()


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    note: str = ""
    alert: bool = False


@functools.cache
def vega_bundle() -> str:
    """Vega + Vega-Lite + Vega-Embed as one classic script that sets window.vegaEmbed."""
    import vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    return re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)


def library_versions() -> str:
    import vl_convert

    return (
        f"Vega {vl_convert.get_vega_version()}, Vega-Lite {VEGA_LITE_VERSION}, "
        f"Vega-Embed {vl_convert.get_vega_embed_version()}"
    )


def script_json(value) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' can end the element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1d2330;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 22px; }
h1 { font-size: 24px; margin: 0 0 4px; }
.period { color: #4a5263; margin: 0 0 16px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(165px, 1fr)); gap: 10px;
  margin-bottom: 18px; }
.tile { background: #fff; border: 1px solid #e1e4ea; border-radius: 8px; padding: 10px 12px; }
.tile .label { color: #5b6474; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.tile .value { font-size: 22px; font-weight: 650; margin-top: 2px; }
.tile .note { color: #5b6474; font-size: 12px; }
.tile.alert { border-color: #e45756; }
.tile.alert .value { color: #c8332f; }
section.figure { background: #fff; border: 1px solid #e1e4ea; border-radius: 8px;
  padding: 14px 16px 10px; margin-bottom: 18px; overflow-x: auto; }
.how { color: #3c4454; margin: 6px 0 0; max-width: 980px; }
.how b { color: #1d2330; }
.chart-error { color: #c8332f; font-weight: 600; }
.empty { background: #fff; border: 1px solid #e1e4ea; border-radius: 8px; padding: 30px; }
footer { color: #6b7383; font-size: 12px; padding-bottom: 30px; }
nav { margin: -6px 0 16px; font-size: 13px; }
nav a { color: #2f5f98; margin-right: 14px; text-decoration: none; }
"""

# First script on the page: counts uncaught errors so a headless browser can read them off the DOM.
ERROR_HOOK = """
window.addEventListener("error", function (event) {
  const root = document.documentElement;
  root.dataset.pageErrors = String(Number(root.dataset.pageErrors || 0) + 1);
  root.dataset.lastPageError = String(event.message || event.type);
});
window.addEventListener("unhandledrejection", function (event) {
  const root = document.documentElement;
  root.dataset.pageErrors = String(Number(root.dataset.pageErrors || 0) + 1);
  root.dataset.lastPageError = String(event.reason);
});
"""

RENDER = """
(function () {
  const figures = JSON.parse(document.getElementById("report-figures").textContent);
  const body = document.body;
  let rendered = 0, errors = 0;
  const options = {renderer: "svg", actions: {export: true, source: false, compiled: false,
    editor: false}, tooltip: {theme: "light"}};
  function done() {
    body.dataset.chartsRendered = String(rendered);
    body.dataset.chartErrors = String(errors);
  }
  Promise.all(figures.map(function (key) {
    const spec = JSON.parse(document.getElementById("spec-" + key).textContent);
    const target = document.getElementById("chart-" + key);
    return vegaEmbed(target, spec, options).then(function () { rendered += 1; })
      .catch(function (err) {
        errors += 1;
        target.innerHTML = "";
        const p = document.createElement("p");
        p.className = "chart-error";
        p.textContent = "This chart could not be drawn: " + err;
        target.appendChild(p);
        console.error("chart " + key + ": " + err);
      });
  })).then(done);
})();
"""


def page(
    title: str,
    period: str,
    tiles: list[Tile],
    figures: list[Figure],
    footer: str,
    empty_message: str | None = None,
) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{STYLE}</style>",
        f"<script>{ERROR_HOOK}</script>",
    ]
    if figures:
        parts.append(f"<script>/* {esc(library_versions())} */\n{vega_bundle()}\n</script>")
    parts += [
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="period">{esc(period)}</p>',
    ]
    if tiles:
        parts.append('<div class="tiles">')
        for t in tiles:
            cls = "tile alert" if t.alert else "tile"
            parts.append(
                f'<div class="{cls}"><div class="label">{esc(t.label)}</div>'
                f'<div class="value">{esc(t.value)}</div>'
                f'<div class="note">{esc(t.note)}</div></div>'
            )
        parts.append("</div>")
    if figures:
        links = " ".join(f'<a href="#{f.key}">{esc(f.title)}</a>' for f in figures)
        parts.append(f"<nav>{links}</nav>")
    parts += ["</header>", "<main>"]
    if empty_message:
        parts.append(f'<p class="empty">{esc(empty_message)}</p>')
    for f in figures:
        parts.append(
            f'<section class="figure" id="{f.key}" aria-label="{esc(f.title)}">'
            f'<div class="chart" id="chart-{f.key}"></div>'
            f'<p class="how"><b>How to read it:</b> {esc(f.how_to_read)}</p>'
            f"</section>"
        )
    if figures:
        parts.append(
            "<noscript><p class='chart-error'>The charts need JavaScript (it is inlined in this "
            "file; no network is used).</p></noscript>"
        )
    parts += ["</main>", f"<footer>{esc(footer)}</footer>"]
    for f in figures:
        parts.append(
            f'<script type="application/json" id="spec-{f.key}">{script_json(f.spec)}</script>'
        )
    if figures:
        keys = [f.key for f in figures]
        parts.append(
            f'<script type="application/json" id="report-figures">{script_json(keys)}</script>'
        )
        parts.append(f"<script>{RENDER}</script>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
