"""One self-contained HTML page that shows what was found, in context (``--format html``).

The page needs no network: its CSS and script are inline and the data rides in a JSON block.
Every piece of input (document text, ids, kinds, field values) is escaped, and the script
writes field values with ``textContent`` only, so a document cannot inject markup or code.

Layout: an index of the documents (id, extractions by kind, error), a legend of kinds (each one
can be hidden), then each document's text with its extractions as nested ``<mark>`` elements.
A mark that crosses another one is split into pieces that share ``data-x``; a mark's underline
sits below those of the marks it contains, so nested spans stay readable.  The source of each
attribution is marked too (``S1``, ``S2``...), and a claim linked to it carries the same tag:
clicking a claim highlights and scrolls to its source and shows every field in a side panel.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from .results import DocumentResult, Extraction, Span

# Kinds that most pages show get fixed, distinct colors; other kinds take the rest in turn.
_FIXED_COLORS = {
    "quantity": "#1f77b4",
    "range": "#2ca02c",
    "vague_quantity": "#17becf",
    "attribution": "#9467bd",
    "source": "#d62728",
    "casualty": "#e6550d",
    "force_size": "#8c564b",
    "actor": "#e377c2",
    "military_unit": "#7f7f7f",
    "territorial_change": "#bcbd22",
}
_SPARE_COLORS = ["#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354", "#756bb1",
                 "#636363", "#e7969c", "#6b6ecf", "#b5cf6b"]
_MAX_HEIGHT = 8  # underline steps; deeper nesting than this shares the last step

_CSS = """
:root { --bg: #fff; --fg: #1b1b1b; --muted: #666; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
header { position: sticky; top: 0; z-index: 5; background: #f6f6f8; border-bottom: 1px solid #ddd;
  padding: 8px 16px; margin-right: 340px; }
header h1 { font-size: 16px; margin: 0 0 4px; }
main { margin-right: 340px; padding: 8px 16px 60px; }
#legend { display: flex; flex-wrap: wrap; gap: 6px; }
#legend label { display: inline-flex; align-items: center; gap: 4px; font-size: 13px; padding: 1px 8px;
  border-radius: 10px; border: 2px solid var(--c); background: color-mix(in srgb, var(--c) 14%, white);
  cursor: pointer; user-select: none; }
#legend input { margin: 0; }
details.index { margin: 8px 0 16px; }
details.index summary { cursor: pointer; font-weight: 600; }
#filter { margin: 6px 0; padding: 3px 6px; width: 280px; }
table.docs { border-collapse: collapse; font-size: 13px; }
table.docs td, table.docs th { border-bottom: 1px solid #eee; padding: 2px 8px; text-align: left;
  vertical-align: top; }
section.doc { border-top: 2px solid #ddd; padding-top: 6px; margin-top: 18px; scroll-margin-top: 120px; }
mark.m { scroll-margin-top: 130px; }
section.doc h2 { font-size: 15px; margin: 4px 0; }
section.doc h2 small { color: var(--muted); font-weight: normal; }
.error { color: #a00; font-family: monospace; white-space: pre-wrap; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 2.9; font-size: 16px; }
mark.m { --c: #888; background: color-mix(in srgb, var(--c) 13%, transparent); color: inherit;
  border-bottom: 2px solid var(--c); padding: 0 1px calc(var(--h, 0) * 5px); border-radius: 2px;
  cursor: pointer; }
mark.m[data-label]::before { content: attr(data-label); font: 600 9px/1 system-ui, sans-serif;
  color: #fff; background: var(--c); border-radius: 3px; padding: 1px 3px; margin-right: 2px;
  vertical-align: super; text-transform: uppercase; letter-spacing: .02em; }
mark.m.src { border-bottom-style: double; border-bottom-width: 4px; }
mark.m.sel { background: color-mix(in srgb, var(--c) 35%, transparent); outline: 2px solid var(--c); }
mark.m.linked { background: #ffe066; outline: 2px dashed #d62728; }
#panel { position: fixed; top: 0; right: 0; bottom: 0; width: 330px; overflow: auto; background: #fbfbfd;
  border-left: 1px solid #ddd; padding: 10px 12px; font-size: 13px; z-index: 6; }
#panel h3 { margin: 4px 0 8px; font-size: 14px; }
#panel .hint { color: var(--muted); }
#panel table { border-collapse: collapse; width: 100%; }
#panel td { border-bottom: 1px solid #eee; padding: 3px 4px; vertical-align: top; overflow-wrap: anywhere; }
#panel td:first-child { color: var(--muted); white-space: nowrap; }
#panel .quote { background: #fff; border-left: 3px solid var(--c, #888); padding: 4px 6px; margin: 6px 0; }
#tie { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; z-index: 4; }
"""

_SCRIPT = """
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('tr-data').textContent);
  var panel = document.getElementById('panel');
  var tie = document.getElementById('tie');
  function pieces(key) { return document.querySelectorAll('mark[data-x="' + CSS.escape(key) + '"]'); }
  function clear() {
    document.querySelectorAll('mark.sel, mark.linked').forEach(function (m) { m.classList.remove('sel', 'linked'); });
    tie.innerHTML = '';
  }
  function row(table, name, value) {
    var tr = table.insertRow(); tr.insertCell().textContent = name; tr.insertCell().textContent = value;
  }
  function show(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'object' && !Array.isArray(value)) {
      return value.text !== undefined ? value.text : JSON.stringify(value);
    }
    return Array.isArray(value) ? value.map(show).join(', ') : String(value);
  }
  function fill(rec, prefix, table) {
    Object.keys(rec).forEach(function (name) {
      if (['kind', 'rule', 'start', 'end', 'text', 'claims'].indexOf(name) >= 0 && !prefix) return;
      if (prefix && ['start', 'end'].indexOf(name) >= 0) return;
      var value = rec[name];
      if (value === null || value === undefined) return;
      if (typeof value === 'object' && !Array.isArray(value)) {
        row(table, prefix + name, value.text);
        fill(value, prefix + name + '.', table);
      } else if (!(prefix && name === 'text')) {
        row(table, prefix + name, show(value));
      }
    });
  }
  function drawTie(from, to) {
    var a = from.getBoundingClientRect(), b = to.getBoundingClientRect();
    var x1 = a.left + a.width / 2 + window.scrollX, y1 = a.top + window.scrollY;
    var x2 = b.left + b.width / 2 + window.scrollX, y2 = b.bottom + window.scrollY;
    var ns = 'http://www.w3.org/2000/svg';
    var path = document.createElementNS(ns, 'path');
    var lift = Math.min(80, Math.abs(y1 - y2) / 2 + 20);
    path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + (y1 - lift) + ' ' +
      x2 + ',' + (y2 + lift) + ' ' + x2 + ',' + y2);
    path.setAttribute('fill', 'none'); path.setAttribute('stroke', '#d62728');
    path.setAttribute('stroke-width', '2'); path.setAttribute('stroke-dasharray', '5 3');
    tie.appendChild(path);
  }
  function select(mark) {
    clear();
    var key = mark.getAttribute('data-x');
    var rec = data[key];
    pieces(key).forEach(function (m) { m.classList.add('sel'); });
    panel.innerHTML = '';
    panel.style.setProperty('--c', getComputedStyle(mark).getPropertyValue('--c'));
    var h = document.createElement('h3'); h.textContent = rec ? rec.kind : 'source'; panel.appendChild(h);
    var quote = document.createElement('div'); quote.className = 'quote';
    quote.textContent = rec ? rec.text : mark.textContent; panel.appendChild(quote);
    var table = document.createElement('table'); table.id = 'fields'; panel.appendChild(table);
    if (rec) { row(table, 'rule', rec.rule); fill(rec, '', table); }
    var src = mark.getAttribute('data-src');
    if (src) {
      var first = pieces(src);
      first.forEach(function (m) { m.classList.add('linked'); });
      if (first.length) {
        var p = document.createElement('p'); p.className = 'source-line';
        p.textContent = 'Source (' + first[0].getAttribute('data-tag') + '): ' +
          Array.prototype.map.call(first, function (m) { return m.textContent; }).join('');
        panel.insertBefore(p, table);
        var r = first[0].getBoundingClientRect();
        if (r.top < 60 || r.bottom > window.innerHeight) first[0].scrollIntoView({block: 'center'});
        drawTie(mark, first[0]);
      }
    }
  }
  document.addEventListener('click', function (event) {
    var mark = event.target.closest ? event.target.closest('mark.m') : null;
    if (mark) { event.preventDefault(); select(mark); }
  });
  window.addEventListener('resize', clear);
  document.querySelectorAll('#legend input').forEach(function (box) {
    box.addEventListener('change', function () {
      document.body.classList.toggle('hide-' + box.value, !box.checked);
    });
  });
  var filter = document.getElementById('filter');
  if (filter) filter.addEventListener('input', function () {
    var needle = filter.value.toLowerCase();
    document.querySelectorAll('table.docs tbody tr').forEach(function (tr) {
      tr.style.display = tr.textContent.toLowerCase().indexOf(needle) >= 0 ? '' : 'none';
    });
  });
})();
"""


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` in the raw text."""
    text = json.dumps(value, ensure_ascii=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _field_text(value: Any) -> str:
    if isinstance(value, (Extraction, Span)):
        return value.text
    if isinstance(value, (list, tuple)):
        return ", ".join(_field_text(v) for v in value)
    return "" if value is None else str(value)


def _hover(extraction: Extraction, tag: str | None) -> str:
    lines = [f"{extraction.kind} ({extraction.rule})"]
    lines += [f"{name}: {_field_text(value)}" for name, value in extraction.fields.items()
              if value is not None and value != [] and name != "claims"]
    if tag:
        lines.append(f"source {tag}")
    return "\n".join(lines)


class _Mark:
    __slots__ = ("start", "end", "key", "css", "label", "title", "source_key", "tag", "order")

    def __init__(self, start: int, end: int, key: str, css: str, label: str, title: str,
                 source_key: str | None, tag: str | None, order: int) -> None:
        self.start, self.end, self.key, self.css = start, end, key, css
        self.label, self.title, self.source_key, self.tag, self.order = label, title, source_key, tag, order


class _Palette:
    """A stable CSS class and color per kind, in order of first appearance."""

    def __init__(self) -> None:
        self.classes: dict[str, str] = {"source": "k0"}
        self.counts: Counter[str] = Counter()

    def css(self, kind: str) -> str:
        if kind not in self.classes:
            self.classes[kind] = f"k{len(self.classes)}"
        return self.classes[kind]

    def style(self) -> str:
        rules, spare = [], 0
        for kind, css in self.classes.items():
            color = _FIXED_COLORS.get(kind)
            if color is None:
                color, spare = _SPARE_COLORS[spare % len(_SPARE_COLORS)], spare + 1
            rules.append(f".{css}, mark.m.{css} {{ --c: {color}; }}")
            rules.append(f"body.hide-{css} mark.{css} {{ background: none; border-bottom-color: transparent;"
                         f" padding-bottom: 0; }} body.hide-{css} mark.{css}::before {{ display: none; }}")
        return "\n".join(rules)


def _marks(result: DocumentResult, doc: int, palette: _Palette, records: dict[str, Any]) -> list[_Mark]:
    marks: list[_Mark] = []
    source_tags: dict[int, str] = {}
    for index, extraction in enumerate(result.extractions):
        source = extraction.get("source") if extraction.kind == "attribution" else None
        if isinstance(source, (Span, Extraction)) and source.end > source.start:
            tag = f"S{len(source_tags) + 1}"
            source_tags[index] = tag
            palette.counts["source"] += 1
            marks.append(_Mark(source.start, source.end, f"d{doc}-s{index}", "k0 src", f"{tag} source",
                               f"source {tag}: {source.text}", None, tag, -1))
    for index, extraction in enumerate(result.extractions):
        if extraction.end <= extraction.start:
            continue
        key = f"d{doc}-x{index}"
        records[key] = extraction.to_dict()
        palette.counts[extraction.kind] += 1
        # An attribution points at its own source; a claim at the source of the attribution it is linked to.
        linked = index if extraction.kind == "attribution" else extraction.get("attribution")
        source_tag = source_tags.get(linked) if isinstance(linked, int) else None
        label = f"{extraction.kind} \u2190 {source_tag}" if source_tag and extraction.kind != "attribution" \
            else extraction.kind
        source_key = f"d{doc}-s{linked}" if source_tag else None
        marks.append(_Mark(extraction.start, extraction.end, key, palette.css(extraction.kind), label,
                           _hover(extraction, source_tag), source_key, source_tag, index))
    return marks


def _open_tag(mark: _Mark, height: int, first: bool) -> str:
    attrs = [f'class="m {mark.css}"', f'data-x="{escape(mark.key)}"', f'style="--h:{min(height, _MAX_HEIGHT)}"',
             f'title="{escape(mark.title)}"']
    if first:
        attrs.append(f'data-label="{escape(mark.label)}"')
    if mark.source_key:
        attrs.append(f'data-src="{escape(mark.source_key)}"')
    if mark.tag:
        attrs.append(f'data-tag="{escape(mark.tag)}"')
    return "<mark " + " ".join(attrs) + ">"


def render_text(text: str, marks: list[_Mark]) -> str:
    """The text as HTML with each mark around its span; crossing marks are split into pieces.

    Between two consecutive boundaries the covering marks are opened outermost first (earlier
    start, then longer); a piece's underline height is the depth of the marks nested in it,
    so an outer underline always sits below the inner ones.
    """
    clipped = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    starts: dict[int, list[_Mark]] = {}
    for mark in clipped:
        starts.setdefault(mark.start, []).append(mark)
    boundaries = sorted({0, len(text), *(m.start for m in clipped), *(m.end for m in clipped)})
    out: list[str] = []
    stack: list[tuple[_Mark, int, list[int]]] = []  # mark, index of its open tag in out, [inner height]
    opened: set[str] = set()
    active: list[_Mark] = []

    def close_top() -> None:
        mark, slot, inner = stack.pop()
        height = inner[0]
        out[slot] = _open_tag(mark, height, mark.key not in opened)
        opened.add(mark.key)
        out.append("</mark>")
        if stack:
            stack[-1][2][0] = max(stack[-1][2][0], height + 1)

    for left, right in zip(boundaries, boundaries[1:], strict=False):
        active = [m for m in active if m.end > left] + starts.get(left, [])
        wanted = sorted(active, key=lambda m: (m.start, -m.end, m.order))
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep][0] is wanted[keep]:
            keep += 1
        while len(stack) > keep:
            close_top()
        for mark in wanted[keep:]:
            out.append("")
            stack.append((mark, len(out) - 1, [0]))
        out.append(escape(text[left:right], quote=False))
    while stack:
        close_top()
    return "".join(out)


def _document_html(result: DocumentResult, doc: int, palette: _Palette, records: dict[str, Any],
                   text: str | None) -> str:
    kinds = Counter(e.kind for e in result.extractions)
    summary = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common()) or "nothing found"
    parts = [f'<section class="doc" id="doc-{doc}" data-doc="{doc}">',
             f"<h2>{escape(str(result.id))} <small>{escape(summary)}</small></h2>"]
    if result.error:
        parts.append(f'<p class="error">{escape(result.error)}</p>')
    if text is not None:
        parts.append(f'<div class="text">{render_text(text, _marks(result, doc, palette, records))}</div>')
    elif result.extractions:
        # Without the document text (results read back from JSONL) each extraction stands alone.
        items = []
        for mark in _marks(result, doc, palette, records):
            snippet = records[mark.key]["text"] if mark.key in records else ""
            if snippet:
                alone = _Mark(0, len(snippet), mark.key, mark.css, mark.label, mark.title, None, None, mark.order)
                items.append(f"<li>{render_text(snippet, [alone])}</li>")
        parts.append('<ol class="text">' + "".join(items) + "</ol>")
    parts.append("</section>")
    return "".join(parts)


def render_html(results: Iterable[DocumentResult], texts: Mapping[Any, str] | None = None,
                title: str = "tallyrules") -> str:
    """One self-contained HTML page for ``results`` (an index when there are several documents).

    Each result's document text comes from ``result.text`` (set by :meth:`Engine.extract_document`
    and ``extract_many``) or else from ``texts[result.id]``.
    """
    palette = _Palette()
    records: dict[str, Any] = {}
    sections: list[str] = []
    index_rows: list[str] = []
    total = 0
    for doc, result in enumerate(results):
        total += 1
        text = result.text if result.text is not None else (texts or {}).get(result.id)
        sections.append(_document_html(result, doc, palette, records, text))
        kinds = Counter(e.kind for e in result.extractions)
        found = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
        index_rows.append(f'<tr><td><a href="#doc-{doc}">{escape(str(result.id))}</a></td><td>{len(result.extractions)}'
                          f"</td><td>{escape(found)}</td><td class=\"error\">{escape(result.error or '')}</td></tr>")
    legend = "".join(
        f'<label class="{css}"><input type="checkbox" value="{css}" checked> {escape(kind)} '
        f"<small>{palette.counts[kind]}</small></label>"
        for kind, css in palette.classes.items() if palette.counts[kind])
    index = ""
    if total > 1:
        index = ('<details class="index" open><summary>' + f"{total} documents</summary>"
                 '<input id="filter" type="search" placeholder="filter documents">'
                 '<table class="docs"><thead><tr><th>document</th><th>extractions</th><th>kinds</th><th>error</th>'
                 "</tr></thead><tbody>" + "".join(index_rows) + "</tbody></table></details>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{escape(title)}</title><style>{_CSS}\n{palette.style()}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><div id=\"legend\">{legend}</div></header>"
            f"<main>{index}{''.join(sections)}</main>"
            "<aside id=\"panel\"><h3>Details</h3><p class=\"hint\">Click a highlighted span to see its fields; "
            "a claim shows where its source is.</p></aside>"
            "<svg id=\"tie\" width=\"1\" height=\"1\"></svg>"
            f"<script type=\"application/json\" id=\"tr-data\">{_script_json(records)}</script>"
            f"<script>{_SCRIPT}</script></body></html>\n")
