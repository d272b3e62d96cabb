"""The report page in Chromium, at a desktop width, a phone width and in print: nothing runs off the screen
outside its own scrolling box, chart labels do not overlap and stay legible, every section is there,
citations and times do not break inside a word.

Chromium runs headless on a copy of the page with a small script added (the report itself has none and
forbids scripts) that writes its measurements into the DOM, read back with --dump-dom."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import SAMPLES, chromium

SECTIONS = ("summary", "at-a-glance", "immigration", "cross-agency", "schools", "accountability", "rows", "headline",
            "methodology", "data-quality")

MEASURE = r"""
<script>
(function () {
  const vw = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined && el.className ? '.' + el.className : '');
  const overflow = [];
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 1 && !scrolls(el)) overflow.push(name(el) + ' ' + Math.round(r.right) + ' ' + (el.textContent || '').slice(0, 40));
  }
  const overlaps = [], fonts = [];
  for (const svg of document.querySelectorAll('svg.plot')) {
    const texts = [...svg.querySelectorAll('text')];
    const boxes = texts.map(t => t.getBoundingClientRect());
    texts.forEach(t => fonts.push(parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a));
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) overlaps.push(texts[i].textContent + ' / ' + texts[j].textContent);
    }
  }
  for (const el of document.querySelectorAll('.bars, .legend, .bar-label, .bar-value')) fonts.push(parseFloat(getComputedStyle(el).fontSize));
  const lines = el => { const r = document.createRange(); r.selectNodeContents(el);  // vertical bands of its boxes
      let count = 0, bottom = -Infinity;
      for (const b of [...r.getClientRects()].filter(b => b.width > 0).sort((x, y) => x.top - y.top)) {
        if (b.top >= bottom - 1) { count++; bottom = b.bottom; } else bottom = Math.max(bottom, b.bottom); }
      return count; };
  const broken = [...document.querySelectorAll('td.when, td.cite .nowrap')].filter(el => lines(el) > 1).map(el => el.textContent);
  const swatches = [...document.querySelectorAll('.legend > span')].filter(el => lines(el) > 1).length;
  const out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth, overflow: overflow.slice(0, 20),
    overlaps: overlaps.slice(0, 20), minFont: Math.min(...fonts), broken: broken.slice(0, 20), swatchesOnOwnLine: swatches,
    sections: [...document.querySelectorAll('main > section[id]')].map(s => s.id), height: document.documentElement.scrollHeight,
    hoursChartRight: Math.round((document.querySelector('#chart-hours svg') || document.body).getBoundingClientRect().right),
    firstChartTop: Math.round((document.querySelector('figure.chart') || document.body).getBoundingClientRect().top),
    summaryBottom: Math.round((document.querySelector('#summary') || document.body).getBoundingClientRect().bottom),
    sectionHeights: Object.fromEntries([...document.querySelectorAll('main > section[id]')].map(s => [s.id, Math.round(s.getBoundingClientRect().height)]))};
  const pre = document.createElement('pre'); pre.id = 'measurements'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


# The page in a frame of the width asked (a headless window is at least 500 px wide): the page measures itself
# and posts the numbers to the frame's parent, which writes them into its DOM.
POST = "parent.postMessage(pre.textContent, '*');"
FRAME = """<!doctype html><html><body style="margin:0">
<pre id="measurements"></pre>
<iframe src="{src}" style="width:{width}px;height:900px;border:0"></iframe>
<script>addEventListener('message', e => {{ document.getElementById('measurements').textContent = e.data; }});</script>
</body></html>"""


def measure(page: Path, width: int, tmp_path: Path) -> dict:
    """The page's measurements at ``width`` CSS pixels (see MEASURE)."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    probe = tmp_path / f"probe-{width}.html"
    probe.write_text(html.replace("</body>", MEASURE.replace("document.body.appendChild(pre);", POST) + "</body>"),
                     encoding="utf-8")
    frame = tmp_path / f"frame-{width}.html"
    frame.write_text(FRAME.format(width=width, src=probe.name), encoding="utf-8")
    dom = chromium(["--window-size=1400,900", "--virtual-time-budget=20000", "--dump-dom", frame.as_uri()],
                    tmp_path).stdout
    found = re.search(r'<pre id="measurements">(.*?)</pre>', dom, re.DOTALL)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">"))


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the shipped samples: many months, federal searchers, schools, local times."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    base = tmp_path_factory.mktemp("page")
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLES), "-o", str(base / "out"), "--store",
                                      str(base / "store"), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return base / "out" / "index.html"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_page_fits_the_screen_with_legible_unbroken_labels(sample_report: Path, tmp_path: Path, width: int) -> None:
    m = measure(sample_report, width, tmp_path)
    assert m["viewport"] <= width
    assert m["scrollWidth"] <= m["viewport"], m["overflow"]
    assert m["overflow"] == []
    assert m["overlaps"] == []
    assert m["minFont"] >= 11, m["minFont"]
    assert m["broken"] == []
    assert m["swatchesOnOwnLine"] == 0
    assert m["hoursChartRight"] <= m["viewport"]  # every hour of the day on screen, no scrolling
    assert list(SECTIONS) == [s for s in m["sections"] if s in SECTIONS]


@pytest.mark.slow
@pytest.mark.browser
def test_findings_come_first_and_the_page_is_short(sample_report: Path, tmp_path: Path) -> None:
    m = measure(sample_report, 1280, tmp_path)
    assert m["sections"][0] == "summary"
    assert m["summaryBottom"] < 900  # the lede is on the first screen
    assert m["firstChartTop"] < 3000
    # flagged rows are collapsed per flag, three shown (the page was about 112,000 px; 20 findings now, with
    # the five state-law flags)
    assert m["height"] < 50_000


@pytest.mark.slow
@pytest.mark.browser
def test_page_prints(sample_report: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    chromium(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", sample_report.as_uri()], tmp_path)
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 3 <= pages < 200, pages


@pytest.mark.slow
@pytest.mark.browser
def test_screenshots_for_a_person(sample_report: Path, tmp_path: Path) -> None:
    """Screenshots at both widths (kept under tmp; LPRLOGS_SCREENSHOTS=DIR keeps them there for review)."""
    import os

    folder = Path(os.environ.get("LPRLOGS_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    for width in (1280, 420):
        shot = folder / f"report-{width}.png"
        chromium([f"--window-size={width},2400", f"--screenshot={shot}", sample_report.as_uri()], tmp_path)
        assert shot.is_file() and shot.stat().st_size > 20_000


@pytest.mark.slow
@pytest.mark.browser
def test_real_release_page_fits_and_labels_do_not_overlap(realdata: Path, tmp_path: Path) -> None:
    """The real files span four years with gaps: 53 months of narrow columns."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    result = CliRunner().invoke(cli, ["analyze", str(realdata), "-o", str(tmp_path / "out"), "--store",
                                      str(tmp_path / "store"), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = tmp_path / "out" / "index.html"
    assert "no file covers (no logs, not no searches)" in page.read_text(encoding="utf-8")
    for width in (1280, 420):
        m = measure(page, width, tmp_path)
        assert m["overflow"] == [] and m["overlaps"] == [] and m["broken"] == [], (width, m)
        assert m["minFont"] >= 11 and m["scrollWidth"] <= m["viewport"], (width, m)
