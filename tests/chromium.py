"""Debian's chromium, driven through Playwright, for the browser tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
# Screenshots the browser tests leave for people to look at.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.asynccontextmanager
async def headless_chromium(extra_args: Sequence[str] = ()) -> AsyncIterator[Browser]:
    """A headless chromium, closed on leaving."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            await browser.close()


FAKE_MICROPHONE = (
    "--use-fake-device-for-media-stream",  # a microphone that plays a steady tone
    "--use-fake-ui-for-media-stream",  # and no prompt to allow it
)
