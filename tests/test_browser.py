"""The built book in headless Chromium, offline: every page's math is typeset by the vendored
MathJax (no CDN), with no MathJax errors, every figure is present, and on a phone's width
(412 px) every displayed formula and every table fits its column (``_assets/numnet.css`` and
``_assets/fit_to_column.js`` shrink the few that would not).

Builds the book first if ``_build/html`` is missing. Needs Debian's ``chromium``; ``.ci/run``
installs it. Marked ``book``.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE_WIDTH = 412  # px: pages are rendered at a phone's width

pytestmark = [
    pytest.mark.book,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def html():
    if not (HTML / "index.html").exists():
        jb = Path(sys.executable).with_name("jupyter-book")
        subprocess.run(
            [str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"], check=True, cwd=ROOT
        )
    return HTML


def render(page):
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--window-size={PHONE_WIDTH},900",
                "--virtual-time-budget=10000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": profile},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def chapter_pages():
    pages = sorted((ROOT / "book").glob("*.md"))
    return [p.stem for p in pages]


def test_mathjax_is_vendored_not_fetched(html):
    page = (html / "book" / "intro.html").read_text()  # index.html is only a redirect
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert any("_static/mathjax4/tex-mml-chtml.js" in s for s in scripts)
    assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))]
    # only MathJax's entry point is a page script (Jupyter Book would add every .js under a
    # folder named _static; the vendored copy must not be one)
    assert len([s for s in scripts if "mathjax4" in s]) == 1
    fonts = html / "_static" / "mathjax4" / "fonts" / "mathjax-newcm-font" / "chtml" / "woff2"
    assert fonts.is_dir() and any(fonts.iterdir())


@pytest.mark.parametrize("stem", chapter_pages())
def test_page_math_typeset_and_figures_present(html, stem):
    page = html / "book" / f"{stem}.html"
    assert page.exists(), f"{page} was not built"
    source = page.read_text()
    n_math = len(re.findall(r'class="math notranslate nohighlight"', source))
    dom = render(page)
    assert "<mjx-merror" not in dom and 'mathcolor="red"' not in dom
    assert dom.count("<mjx-container") == n_math, (
        f"{stem}: {n_math} math elements, {dom.count('<mjx-container')} typeset"
    )
    boxes = re.findall(r"<mjx-container[^>]*display=\"true\"[^>]*>|<table[^>]*>", dom)
    assert all("data-px" in b for b in boxes), f"{stem}: fit_to_column.js did not run"
    too_wide = [b for b in boxes if "too-wide" in b]
    assert not too_wide, f"{stem}: {len(too_wide)} displays or tables wider than {PHONE_WIDTH} px"
    for src in re.findall(r'<img[^>]+src="([^"]+)"', source):
        if not src.startswith("data:"):
            assert (page.parent / src).resolve().exists(), f"{stem}: missing image {src}"
