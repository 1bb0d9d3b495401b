"""The HTML report: one self-contained page (inline CSS, JS and SVG, no network resource).

The sites table is rendered on the server side, so the page reads without JavaScript; the
script only sorts (click a header, or open the page with `#sort=kind` / `#sort=-findings`)
and filters. Every source-derived text is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from string import Template

from refusal_lint import __version__
from refusal_lint.audit import labels
from refusal_lint.audit.coverage import FamilyCoverage, percent
from refusal_lint.audit.report import AuditReport
from refusal_lint.audit.sites import Site
from refusal_lint.output import Style

BAR_WIDTH = 110
BAR_ROW = 20
LABEL_WIDTH = 140
VALUE_WIDTH = 80


def render(report: AuditReport, style: Style) -> str:
    body = "\n".join(
        [
            _header(report),
            _families(report.families),
            _sites(report.sites),
            _other_findings(report),
        ]
    )
    return PAGE.substitute(title="refusal-lint audit", css=CSS, body=body, script=SCRIPT)


def _header(report: AuditReport) -> str:
    gate = report.gate
    verdict = ""
    if report.fail_under is not None:
        word = "meets" if report.passed else "is below"
        tone = "good" if report.passed else "bad"
        verdict = f'<p class="verdict {tone}">{word} --fail-under {report.fail_under:g}%</p>'
    return f"""<header>
<h1>refusal-lint audit</h1>
<p class="meta">{_e(report.headline())} refusal-lint {_e(__version__)}.</p>
<div class="gate {_tone(gate.share)}">
<span class="share">{gate.share:.1f}%</span>
<span class="what">refusal coverage: {_e(gate.describe())}</span>
{verdict}
</div>
</header>"""


def _families(families: Sequence[FamilyCoverage]) -> str:
    if not families:
        return ""
    figures = "\n".join(_family_chart(f) for f in families)
    return f"""<section>
<h2>Coverage by provider family</h2>
<div class="families">
{figures}
</div>
</section>"""


def _family_chart(family: FamilyCoverage) -> str:
    """A small horizontal bar chart (inline SVG) of the family's coverage figures."""
    ratios = labels.family_ratios(family)
    height = BAR_ROW * len(ratios)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    bars = "\n".join(
        _bar(i * BAR_ROW, label, part, whole) for i, (label, part, whole) in enumerate(ratios)
    )
    sites = f"{family.dispatch_sites} dispatch site{'' if family.dispatch_sites == 1 else 's'}"
    return f"""<figure class="family">
<figcaption><strong>{_e(family.family)}</strong> <span>{sites}</span></figcaption>
<svg role="img" aria-label="{_e(family.family)} coverage" width="{width}" height="{height}"
 viewBox="0 0 {width} {height}">
{bars}
</svg>
</figure>"""


def _bar(y: int, label: str, part: int, whole: int) -> str:
    """One row of a family chart: label, track, filled share, `67% (2/3)` or `n/a`."""
    share = percent(part, whole)
    bar_y, text_y, value_x = y + 4, y + 14, LABEL_WIDTH + BAR_WIDTH + 8
    shapes = [
        f'<text class="label" x="0" y="{text_y}">{_e(label)}</text>',
        f'<rect class="track" x="{LABEL_WIDTH}" y="{bar_y}" width="{BAR_WIDTH}"'
        ' height="12" rx="3"/>',
    ]
    if share is None:
        shapes.append(f'<text class="value none" x="{value_x}" y="{text_y}">n/a</text>')
    else:
        filled = round(BAR_WIDTH * share / 100)
        shapes += [
            f'<rect class="fill {_tone(share)}" x="{LABEL_WIDTH}" y="{bar_y}" width="{filled}"'
            ' height="12" rx="3"/>',
            f'<text class="value" x="{value_x}" y="{text_y}">{share:.0f}% ({part}/{whole})</text>',
        ]
    return "<g>" + "".join(shapes) + "</g>"


# (key for #sort=, header, sort type, cell renderer)
COLUMNS: Sequence[tuple[str, str, str, Callable[[Site], str]]] = (
    ("site", "Site", "text", lambda s: _site_cell(s)),
    ("kind", "Kind", "text", lambda s: f'<td class="kind">{_e(s.kind)}</td>'),
    ("family", "Family", "text", lambda s: f"<td>{_e(labels.families(s))}</td>"),
    ("what", "What", "text", lambda s: f'<td class="what"><code>{_e(s.text)}</code></td>'),
    ("handles", "Handles", "text", lambda s: _handles_cell(s)),
    ("refusal", "Refusal", "text", lambda s: _verdict_cell(labels.refusal(s), _missing(s))),
    ("default", "Default", "text", lambda s: _verdict_cell(labels.default(s))),
    ("category", "Category", "text", lambda s: _verdict_cell(labels.category(s))),
    ("status", "Status", "text", lambda s: _verdict_cell(labels.status(s))),
    ("findings", "Findings", "number", lambda s: _findings_cell(s)),
)


def _sites(sites: Sequence[Site]) -> str:
    head = "".join(
        f'<th data-key="{key}" data-type="{kind}" aria-sort="none" tabindex="0">{title}</th>'
        for key, title, kind, _ in COLUMNS
    )
    rows = "\n".join(
        "<tr>" + "".join(cell(site) for _, _, _, cell in COLUMNS) + "</tr>" for site in sites
    )
    return f"""<section>
<h2>Sites <span class="count" id="count">{len(sites)}</span></h2>
<input id="filter" type="search" aria-label="Filter sites"
 placeholder="Filter sites (path, kind, family, value, rule...)">
<div class="scroll">
<table id="sites">
<thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
</section>"""


def _site_cell(site: Site) -> str:
    key = f"{site.path}:{site.line:08d}:{site.column:04d}"
    return f'<td class="site" data-sort="{_e(key)}">{_e(site.location)}</td>'


def _handles_cell(site: Site) -> str:
    groups = labels.handled_values(site)
    if not groups:
        return f'<td class="handles" data-sort="">{labels.NONE}</td>'
    chips = " ".join(
        f'<span class="v {key}" title="{key}">{_e(value)}</span>'
        for key, values in groups
        for value in values
    )
    return f'<td class="handles" data-sort="{_e(groups[0][0])}">{chips}</td>'


def _missing(site: Site) -> str:
    return f"missing: {', '.join(site.missing_refusal)}" if site.missing_refusal else ""


def _verdict_cell(word: str, title: str = "") -> str:
    tone = labels.TONES.get(word, "none")
    hint = f' title="{_e(title)}"' if title else ""
    return f'<td class="{tone}"{hint}>{_e(word)}</td>'


def _findings_cell(site: Site) -> str:
    codes = " ".join(
        f'<span class="finding" title="{_e(f.name)}: {_e(f.message)}">{_e(f.code)}</span>'
        for f in site.findings
    )
    return f'<td data-sort="{len(site.findings)}">{codes or labels.NONE}</td>'


def _other_findings(report: AuditReport) -> str:
    if not report.other_findings:
        return ""
    items = "\n".join(
        f"<li><code>{_e(f.filename)}:{f.line}:{f.col + 1}</code> "
        f'<span class="finding">{_e(f.code)}</span> {_e(f.message)}</li>'
        for f in report.other_findings
    )
    return f"""<section>
<h2>Findings outside any site</h2>
<ul class="other">
{items}
</ul>
</section>"""


def _tone(share: float) -> str:
    if share >= 80:
        return "good"
    return "warn" if share >= 50 else "bad"


def _e(text: str) -> str:
    return escape(text, quote=True)


# A Template: the CSS and the script are full of braces and percent signs.
PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
$css
</style>
</head>
<body>
$body
<script>
$script
</script>
</body>
</html>
""")

CSS = """
:root { --good: #2b8a3e; --warn: #e67700; --bad: #c92a2a; --muted: #6c757d;
  --line: #dee2e6; --bg: #f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; color: #212529; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 12px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.gate { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; padding: 12px 16px;
  border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 6px;
  background: var(--bg); }
.gate.good { border-left-color: var(--good); } .gate.warn { border-left-color: var(--warn); }
.gate.bad { border-left-color: var(--bad); }
.gate .share { font-size: 28px; font-weight: 700; }
.verdict { margin: 0; font-weight: 600; }
.families { display: flex; flex-wrap: wrap; gap: 16px; }
.family { margin: 0; padding: 10px 12px; border: 1px solid var(--line); border-radius: 6px; }
.family figcaption { margin-bottom: 6px; } .family figcaption span { color: var(--muted); }
svg text { font: 12px system-ui, sans-serif; fill: #343a40; }
svg .value.none { fill: var(--muted); }
svg .track { fill: #e9ecef; }
svg .fill.good { fill: var(--good); } svg .fill.warn { fill: var(--warn); }
svg .fill.bad { fill: var(--bad); }
#filter { width: 360px; max-width: 100%; padding: 6px 8px; margin-bottom: 10px;
  border: 1px solid var(--line); border-radius: 4px; font: inherit; }
.count { color: var(--muted); font-weight: 400; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { position: sticky; top: 0; background: var(--bg); cursor: pointer; user-select: none;
  white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 10px; }
tbody tr:hover { background: #f1f3f5; }
td.site { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere;
  min-width: 160px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
td.what { min-width: 160px; } td.handles { min-width: 160px; } td.kind { white-space: nowrap; }
td.good { color: var(--good); font-weight: 600; } td.warn { color: var(--warn); font-weight: 600; }
td.bad { color: var(--bad); font-weight: 600; } td.neutral, td.none { color: var(--muted); }
.v { display: inline-block; margin: 1px 2px; padding: 0 6px; border-radius: 10px;
  font: 11px ui-monospace, monospace; background: #e9ecef; }
.v.refusal { background: #ffe3e3; } .v.truncation { background: #fff3bf; }
.v.complete { background: #d3f9d8; } .v.tool { background: #d0ebff; }
.v.pause { background: #e5dbff; } .v.unknown { background: #fff; border: 1px dashed var(--bad); }
.finding { display: inline-block; margin: 1px 2px; padding: 0 5px; border-radius: 3px;
  background: #fff5f5; color: var(--bad); font: 600 11px ui-monospace, monospace; }
ul.other { padding-left: 18px; }
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("sites");
  if (!table) { return; }
  var body = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function sortKey(row, index) {
    var cell = row.cells[index];
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
  }

  function sortBy(index, descending) {
    var numeric = headers[index].getAttribute("data-type") === "number";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortKey(a, index), y = sortKey(b, index);
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headers.forEach(function (header, i) {
      var state = i !== index ? "none" : (descending ? "descending" : "ascending");
      header.setAttribute("aria-sort", state);
    });
  }

  headers.forEach(function (header, index) {
    function toggle() { sortBy(index, header.getAttribute("aria-sort") === "ascending"); }
    header.addEventListener("click", toggle);
    header.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
    });
  });

  var filter = document.getElementById("filter");
  var count = document.getElementById("count");
  filter.addEventListener("input", function () {
    var query = filter.value.toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var match = row.textContent.toLowerCase().indexOf(query) !== -1;
      row.hidden = !match;
      shown += match ? 1 : 0;
    });
    count.textContent = String(shown);
  });

  // #sort=KEY sorts ascending on load, #sort=-KEY descending: by clicking the header.
  var wanted = /^#sort=(-?)([a-z]+)$/.exec(window.location.hash);
  var header = wanted && headers.filter(function (h) {
    return h.getAttribute("data-key") === wanted[2];
  })[0];
  if (header) {
    header.click();
    if (wanted[1]) { header.click(); }
  }
})();
"""
