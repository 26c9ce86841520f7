"""Render an HTML file in headless Chromium: screenshot, console messages, network requests.

One ``chromium --headless --screenshot`` call with console logging on stderr
(``--enable-logging=stderr --v=0``: each console message is a
``CONSOLE`` line) and a net log (``--log-net-log``): the page's own requests
are the URL_REQUEST_START_JOB events whose initiator is an origin (Chromium's
own background requests have ``"not an origin"``). Host names resolve to
nothing (``--host-resolver-rules``), so a request is seen but never reaches
the network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: A screenshot whose grey levels vary less than this (std, 0..1) counts as blank.
BLANK_STD = 0.03

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_CONSOLE = re.compile(r":(INFO|WARNING|ERROR|VERBOSE\d*):CONSOLE[^\]]*\] (.*)$")


def chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass(frozen=True)
class Rendered:
    """What the browser saw."""

    screenshot: Path
    console: list[str]
    requests: list[str]

    def pixel_std(self) -> float:
        """Standard deviation of the screenshot's grey levels (0 for a blank page)."""
        import matplotlib.image as mpimg

        img = np.asarray(mpimg.imread(self.screenshot), dtype=float)
        grey = img[..., :3].mean(axis=-1) if img.ndim == 3 else img
        return float(grey.std())

    def console_errors(self) -> list[str]:
        """Console messages of the page. Chromium logs console.error, uncaught
        exceptions and console.log alike at INFO on stderr; the report has no
        script, so any message at all is an error."""
        return list(self.console)

    def external_requests(self) -> list[str]:
        """Requests the page made for anything that is not inside the file itself."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "blob:"))]


def render(html_file: Path, out_png: Path, *, width: int = 1280, height: int = 1600) -> Rendered:
    """Open ``html_file`` in headless Chromium and screenshot ``width`` x ``height`` px."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed (.ci/run installs Debian's chromium)")
    with tempfile.TemporaryDirectory(prefix="klshuttle-chromium-") as tmp:
        net = Path(tmp) / "net.json"
        proc = subprocess.run(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile",
                "--enable-logging=stderr",
                "--v=0",
                f"--log-net-log={net}",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--window-size={width},{height}",
                f"--screenshot={out_png}",
                html_file.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0 or not out_png.is_file():
            raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-1500:]}")
        console = []
        for line in proc.stderr.splitlines():
            m = _CONSOLE.search(line)
            if m:
                console.append(f"{m.group(1)} {m.group(2)}")
        requests = _page_requests(net)
    return Rendered(out_png, console, requests)


def _page_requests(net_log: Path) -> list[str]:
    text = net_log.read_text()
    if not text.rstrip().endswith("}"):
        text = text.rstrip().rstrip(",") + "]}"  # a log cut short at exit
    log = json.loads(text)
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        url = params.get("url")
        if event["type"] == start and url and params.get("initiator") != "not an origin":
            urls.append(url)
    return urls
