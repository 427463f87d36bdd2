"""The HTML view: structure and escaping checked by parsing, behaviour checked in headless Chromium."""

from __future__ import annotations

import os
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import pytest

import tallyrules
from tallyrules import DocumentResult, Extraction
from tallyrules.cli import main
from tallyrules.html import render_html

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed-article.txt"
HOSTILE = ('Officials said 40 fighters died. <script>window.__pwned = 1;</script> '
           '<img src=x onerror="window.__pwned = 2"> & "quoted" </textarea></mark>')


class MarkTexts(HTMLParser):
    """The text inside each data-x key (all its pieces, in order) and the page's visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str | None] = []
        self.texts: dict[str, str] = {}
        self.scripts = 0
        self.in_text = 0
        self.document_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "div" and found.get("class") == "text":
            self.in_text += 1
        if tag == "mark":
            self.open.append(found.get("data-x"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self.open.pop()
        if tag == "div" and self.in_text:
            self.in_text -= 1

    def handle_data(self, data: str) -> None:
        for key in self.open:
            if key:
                self.texts[key] = self.texts.get(key, "") + data
        if self.in_text:
            self.document_text.append(data)


def parse(page: str) -> MarkTexts:
    parser = MarkTexts()
    parser.feed(page)
    return parser


def test_crossing_and_nested_spans_keep_their_exact_text() -> None:
    text = "alpha beta gamma delta epsilon"
    spans = [(0, 16, "outer"), (6, 10, "inner"), (11, 22, "crossing"), (17, 30, "tail")]
    result = DocumentResult("d", tuple(Extraction(kind, "t.r", s, e, text[s:e]) for s, e, kind in spans), text=text)
    parsed = parse(result.to_html())
    assert "".join(parsed.document_text) == text
    for index, (start, end, _kind) in enumerate(spans):
        assert parsed.texts[f"d0-x{index}"] == text[start:end]


def test_input_is_escaped_everywhere(engine: tallyrules.Engine) -> None:
    result = engine.extract_document(HOSTILE, id='<b id="x">doc</b>')
    page = result.to_html(title="<script>alert(1)</script>")
    parsed = parse(page)
    assert parsed.scripts == 2  # the data block and the page's own script, nothing from the input
    assert "<script>window" not in page and "<img src=x" not in page and '<b id="x">' not in page
    assert "".join(parsed.document_text) == HOSTILE
    assert "window.__pwned" in page  # shown as text, escaped


@pytest.fixture(scope="module")
def engine() -> tallyrules.Engine:
    return tallyrules.Engine.default()


def test_many_documents_get_an_index_and_long_documents_render_quickly(engine: tallyrules.Engine) -> None:
    article = SEED.read_text(encoding="utf-8")
    once = engine.extract_document(article, "seed")
    # a long document: the article 40 times over (~90K characters, ~2,400 spans), its extractions shifted along
    step = len(article) + 2
    shifted = tuple(attrs.evolve(e, start=e.start + n * step, end=e.end + n * step)
                    for n in range(40) for e in once.extractions)
    long_result = DocumentResult("long", shifted, text="\n\n".join([article] * 40))
    results = [long_result, *(attrs.evolve(once, id=f"doc-{i}") for i in range(30))]
    started = time.perf_counter()
    page = render_html(results)
    assert time.perf_counter() - started < 5
    assert page.count('<tr><td><a href="#doc-') == 31
    parsed = parse(page)
    last = len(shifted) - 1
    assert parsed.texts[f"d0-x{last}"] == long_result.text[shifted[last].start:shifted[last].end]
    assert parsed.texts["d30-x0"] == once.extractions[0].text


def test_results_without_text_show_each_extraction_alone() -> None:
    result = DocumentResult("d", (Extraction("quantity", "r", 4, 14, "40 fighters", {"value": 40}),))
    parsed = parse(render_html([result]))
    assert parsed.texts["d0-x0"] == "40 fighters"


def test_cli_writes_an_html_page(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    assert main(["extract", str(SEED), "--format", "html", "-o", str(out), "--quiet"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "U.S. intelligence officials" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch


# ---- in a real browser -------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Any:
    if not CHROMIUM or not CHROMEDRIVER:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: make test installs chromium and chromium-driver as root")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver); "
                    ".ci/run installs them")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the test extra)")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,860", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def screenshot_html_view(driver: Any, page: Path, png: Path) -> dict[str, Any]:
    """Open ``page``, click the first claim that has a source, save a screenshot; return what the page shows.

    This is also how docs/html-view.png is made (TALLYRULES_DOCS_SCREENSHOT=docs/html-view.png).
    """
    from selenium.webdriver.common.by import By

    driver.get(page.as_uri())
    claims = [mark for mark in driver.find_elements(By.CSS_SELECTOR, "mark.m[data-src][data-label]:not(:has(mark))")
              if not mark.get_attribute("data-label").startswith("attribution")]
    claim = next((mark for mark in claims if "9,000" in mark.text), claims[0])
    claim.click()
    driver.save_screenshot(str(png))
    return driver.execute_script("""
        var linked = Array.from(document.querySelectorAll('mark.linked')).map(function (m) { return m.textContent; });
        var rows = {};
        document.querySelectorAll('#fields tr').forEach(function (tr) {
          rows[tr.cells[0].textContent] = tr.cells[1].textContent; });
        var selected = Array.from(document.querySelectorAll('mark.sel')).map(function (m) { return m.textContent; });
        return {selected: selected.join(''),
                key: arguments[0].getAttribute('data-x'), linked: linked.join(''), fields: rows,
                sourceLine: (document.querySelector('#panel .source-line') || {}).textContent,
                ties: document.querySelectorAll('#tie path').length};
    """, claim)


def test_html_view_in_chromium(browser: Any, tmp_path: Path, engine: tallyrules.Engine) -> None:
    results = [engine.extract_document(SEED.read_text(encoding="utf-8"), "seed-article"),
               engine.extract_document(HOSTILE, "hostile <script>")]
    page = tmp_path / "view.html"
    page.write_text(render_html(results, title="tallyrules: seed article"), encoding="utf-8")
    png = tmp_path / "html-view.png"
    shown = screenshot_html_view(browser, page, png)

    # every extraction is highlighted with exactly its text
    texts = browser.execute_script("""
        var out = {};
        document.querySelectorAll('mark[data-x]').forEach(function (m) {
          var key = m.getAttribute('data-x'); out[key] = (out[key] || '') + m.textContent; });
        return out;""")
    for doc, result in enumerate(results):
        for index, extraction in enumerate(result.extractions):
            assert texts[f"d{doc}-x{index}"] == extraction.text
    # the clicked claim is selected and its source, marked in the text, is highlighted and tied to it
    index = int(shown["key"].split("-x")[1])
    claim = results[0].extractions[index]
    assert shown["selected"] == claim.text
    assert shown["linked"] == claim["source"].text
    assert shown["sourceLine"].endswith(claim["source"].text)
    assert shown["fields"]["source"] == claim["source"].text
    assert shown["ties"] == 1
    # a hostile document is shown as text and runs nothing
    assert browser.execute_script("return window.__pwned === undefined")
    assert "<script>window.__pwned" in browser.find_element("id", "doc-1").text
    assert png.stat().st_size > 10_000
    target = os.environ.get("TALLYRULES_DOCS_SCREENSHOT")
    if target:
        shutil.copyfile(png, target)
