"""Regenerate the review workspace screenshots from the demo (``make screenshots``).

Crawls the bundled demo site into a temporary folder (as ``lcom demo`` does), serves
the review app on it, signs in with the token and saves, with the system Chromium:

* ``docs/screenshots/review-queue.png``: the queue of new hits, highest score first;
* ``docs/screenshots/review-hit.png``: the highest-scoring hit with its evidence.

Never edit the images by hand: run this again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from crawler.review.app import AppConfig, create_app
from crawler.review.local_store import LocalBackend, LocalReviewStore
from crawler.review.server import ReviewServer

DEFAULT_OUT = Path("docs/screenshots")
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1366, 800  # a typical laptop screen


def chromium_path() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


def chromium_args() -> list[str]:
    from crawler.settings import PLAYWRIGHT_LAUNCH_OPTIONS

    args = PLAYWRIGHT_LAUNCH_OPTIONS["args"]
    return [str(a) for a in args] if isinstance(args, list) else []


def crawl_demo(var_dir: Path, *, ads: int, seed: int) -> None:
    # Everything the crawl writes goes under var_dir, never to the caller's spool or cluster.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ELASTICSEARCH_URL", "LCOM_SPOOL_DIR", "LCOM_AUDIT_LOG", "LCOM_JOBS_DIR")
    }
    env["LCOM_VAR_DIR"] = str(var_dir)
    subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--ads", str(ads), "--seed", str(seed)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def take(var_dir: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    store = LocalReviewStore(var_dir / "spool", var_dir / "review.sqlite")
    token = "screenshot-token"
    app = create_app(
        LocalBackend(store, token, username="investigator"),
        AppConfig(audit_log=var_dir / "audit.jsonl"),
    )
    out.mkdir(parents=True, exist_ok=True)
    queue_png, hit_png = out / "review-queue.png", out / "review-hit.png"
    with ReviewServer(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=chromium_args())
        try:
            page = browser.new_page(viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT})
            page.goto(f"{server.base_url}/login?token={token}")
            page.goto(f"{server.base_url}/?sort=score")
            page.keyboard.press("j")
            page.keyboard.press("j")
            page.screenshot(path=str(queue_png))
            page.keyboard.press("k")
            page.keyboard.press("Enter")
            page.wait_for_selector("#ad-text")
            page.screenshot(path=str(hit_png))
        finally:
            browser.close()
    store.close()
    return [queue_png, hit_png]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--ads", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lcom-screenshots-") as tmp:
        var_dir = Path(tmp)
        crawl_demo(var_dir, ads=args.ads, seed=args.seed)
        for path in take(var_dir, args.out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
