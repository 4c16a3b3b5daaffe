"""Regenerate the README's screenshot of the sample handbook: builds nothing, serves the built site.

    .venv/bin/mlops-bot site build --config sample/mlops.yml
    .venv/bin/python tools/screenshot_site.py [PAGE] [OUTPUT]

It serves site/ on a free loopback port (folder URLs need a server) and photographs PAGE (default
the board) in Debian's headless Chromium, 1440x900, light scheme.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def main(page_path: str = "generated/board/", output: str = "docs/site.png") -> int:
    site = ROOT / "site"
    if not (site / "index.html").is_file():
        print("build the sample site first: mlops-bot site build --config sample/mlops.yml", file=sys.stderr)
        return 2
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None  # quiet
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900}, color_scheme="light")
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{page_path}", wait_until="networkidle")
            page.screenshot(path=str(ROOT / output))
            browser.close()
    finally:
        server.shutdown()
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
