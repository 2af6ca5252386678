"""Open an HTML page in Debian's headless Chromium: its DOM as rendered, its console messages, a screenshot."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import require_tool

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def external_urls(html: str) -> list[str]:
    """src/href attributes that would reach the network (a self-contained page has none)."""
    return EXTERNAL.findall(html)


def open_in_chromium(page: Path, screenshot: Path, height: int = 4000) -> tuple[str, list[str]]:
    """(DOM after rendering, console lines) of `page`; writes a PNG screenshot of it to `screenshot`.

    Chromium logs every console message (errors, uncaught exceptions) as a `CONSOLE` line on stderr
    with --enable-logging=stderr; a page that renders cleanly logs none.
    """
    browser = require_tool("chromium", "the pages are checked in a headless browser", "chromium-browser")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    shot = subprocess.run([*flags, f"--screenshot={screenshot}", f"--window-size=1400,{height}", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert shot.returncode == 0 and screenshot.stat().st_size > 10_000, shot.stderr[-2000:]
    return dom.stdout, console
