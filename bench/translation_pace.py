"""How long a translator needs for the core set: the size of the set, the workspace's
own time in a real browser, and the human time estimated from the word count.

The workspace's time is measured, not guessed: a translator of K'iche' logs in to a
fresh console (SQLite, served on loopback) and, in Debian's chromium, fills and saves
every message of the core set (the Spanish text marked, as the tests do: no typing
time), records the core screens' voice prompts with the browser's fake microphone
(1.2 s each), then a second speaker reviews every message. That is the time the
console itself costs: page loads, saves and reviews, one at a time as a person does
them. A person's time is mostly reading, thinking and typing; it is estimated from
the Spanish word count at published translation rates (see docs/languages.md).

    uv run python -m bench.translation_pace
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from playwright.async_api import Browser, Page, expect
from pydantic import SecretStr

from bench._support import command_line, fresh_directory
from locales.core_set import SETS, chat_messages
from plan_store.crypto import generate_key
from plan_store.enums import Role
from plan_store.models import Base
from plan_store.services import staff, staff_languages
from plan_store.services.access import StaffActor
from rumbo.container import Container, build_container
from rumbo.settings import DatabaseSettings, Settings
from staff_console.app import create_app
from tests.chromium import CHROMIUM, FAKE_MICROPHONE, HAVE_CHROMIUM, headless_chromium
from tests.fakes import serve_loopback

SECRET = secrets.token_urlsafe(32)
PASSWORD = secrets.token_urlsafe(16)
LANGUAGE = "quc"
VOICE_KEYS = ("safety", "consent:messaging:1", "consent:messaging:1:details", "menu")
RATES = (
    # words per hour, and where the figure comes from
    (400, "400-600 finished words an hour, an experienced translator (McKay, 2011)"),
    (310, "2,500 words in an 8-hour day, electronic text (Pangeanic; Okodia)"),
    (200, "as low as 200-250 words an hour, a complicated text (Wapa Translations)"),
)
TYPING = (
    (33, "copying text, computer users' average (Ction)"),
    (19, "composing text, computer users' average (Ction)"),
)
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def words(text: str) -> int:
    """Words a translator writes: placeholders and emoji are not words."""
    return len(WORD.findall(PLACEHOLDER.sub(" ", text)))


@dataclass
class Timings:
    saves: list[float] = field(default_factory=list)
    reviews: list[float] = field(default_factory=list)
    recordings: list[float] = field(default_factory=list)
    total: float = 0.0


async def people(container: Container) -> None:
    async with container.uow() as uow:
        admin = await staff.add_staff(
            uow,
            username="root",
            display_name="Root",
            password=PASSWORD,
            role=Role.ADMIN,
            home_id=None,
        )
        root = StaffActor.of(admin)
        for username, name in (("tzoc", "Ana Tzoc"), ("ixcoy", "Pedro Ixcoy")):
            member = await staff.add_staff(
                uow,
                username=username,
                display_name=name,
                password=PASSWORD,
                role=Role.TRANSLATOR,
                home_id=None,
            )
            await staff_languages.set_translated(uow, root, member.id, [LANGUAGE])
        await uow.commit()


async def logged_in(browser: Browser, base: str, username: str) -> Page:
    context = await browser.new_context(locale="es-MX", base_url=base)
    await context.grant_permissions(["microphone"], origin=base)
    page = await context.new_page()
    page.set_default_timeout(30_000)
    await page.goto("/login")
    await page.get_by_label("Usuario").fill(username)
    await page.get_by_label("Contraseña").fill(PASSWORD)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/languages")
    return page


async def translate(page: Page, set_key: str, timings: Timings) -> None:
    await page.goto(f"/languages/{LANGUAGE}/messages?set={set_key}")
    count = await page.locator("article.translation-item").count()
    for index in range(1, count + 1):
        started = time.perf_counter()
        item = page.locator(f"#m-{index}")
        field_ = item.locator("textarea[name=text]")
        await field_.fill(f"«{LANGUAGE}» {await field_.get_attribute('data-source')}")
        plural = item.locator("textarea[name=plural_text]")
        if await plural.count():
            await plural.fill(f"«{LANGUAGE}» {await plural.get_attribute('data-source')}")
        async with page.expect_navigation():
            await item.get_by_role("button", name="Guardar la traducción").click()
        await expect(page.locator(f"#m-{index} .translation-state")).to_contain_text("Borrador")
        timings.saves.append(time.perf_counter() - started)


async def record(page: Page, key: str, timings: Timings) -> None:
    started = time.perf_counter()
    recorder = page.locator(f"#voice-{key.replace(':', '-')} [data-recorder]")
    await recorder.get_by_role("button", name="🎙️ Grabar").click()
    await page.wait_for_timeout(1200)
    await recorder.get_by_role("button", name="⏹️ Parar").click()
    await expect(recorder.locator("audio")).to_be_visible()
    async with page.expect_navigation():
        await recorder.get_by_role("button", name="Guardar la grabación").click()
    timings.recordings.append(time.perf_counter() - started)


async def review(page: Page, set_key: str, timings: Timings) -> None:
    await page.goto(f"/languages/{LANGUAGE}/messages?set={set_key}")
    buttons = page.get_by_role("button", name="Revisé: está bien")
    while await buttons.count():
        started = time.perf_counter()
        async with page.expect_navigation():
            await buttons.first.click()
        timings.reviews.append(time.perf_counter() - started)


async def measure(container: Container) -> Timings:
    timings = Timings()
    core = [s.key for s in SETS if s.core]
    started = time.perf_counter()
    async with (
        serve_loopback(create_app(container.uow, secret_key=SECRET)) as base,
        headless_chromium(FAKE_MICROPHONE) as browser,
    ):
        page = await logged_in(browser, base, "tzoc")
        for key in core:
            await translate(page, key, timings)
        await page.goto(f"/languages/{LANGUAGE}")
        for key in VOICE_KEYS:
            await record(page, key, timings)
        page = await logged_in(browser, base, "ixcoy")
        for key in core:
            await review(page, key, timings)
    timings.total = time.perf_counter() - started
    return timings


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def report(timings: Timings) -> None:
    core = [m for m in chat_messages() if m.core]
    counted = sum(words(m.msgid) + words(m.msgid_plural or "") for m in core)
    print(
        f"Core set: {len(core)} messages, {counted} Spanish words, "
        f"{sum(len(m.msgid) for m in core)} characters"
    )
    for message_set in (s for s in SETS if s.core):
        of_set = [m for m in core if m.set_key == message_set.key]
        print(
            f"  {message_set.key:<10}{len(of_set):>4} messages"
            f"{sum(words(m.msgid) + words(m.msgid_plural or '') for m in of_set):>6} words"
        )
    others = [m for m in chat_messages() if not m.core]
    print(
        f"Everything else: {len(others)} messages, "
        f"{sum(words(m.msgid) + words(m.msgid_plural or '') for m in others)} words"
    )
    print("The workspace's own time (chromium, loopback, no typing):")
    for label, values in (
        ("save a translation", timings.saves),
        ("record a voice prompt (1.2 s of sound)", timings.recordings),
        ("review a translation", timings.reviews),
    ):
        print(
            f"  {label}: {len(values)} x median {statistics.median(values):.2f} s, "
            f"slowest {max(values):.2f} s, in all {minutes(sum(values))}"
        )
    print(f"  the whole run, log-ins and page loads included: {minutes(timings.total)}")
    print("A person's translating time for the core set's words, at published rates:")
    for rate, source in RATES:
        print(f"  {counted / rate:.1f} h at {rate} words/h ({source})")
    print("Typing alone, as many words as the Spanish (a floor: no reading or thinking):")
    for rate, source in TYPING:
        print(f"  {minutes(counted / rate * 60)} at {rate} words/min ({source})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = command_line("python -m bench.translation_pace", __doc__)
    parser.parse_args(argv)
    if not HAVE_CHROMIUM:
        print(f"no chromium at {CHROMIUM}: only the sizes")
        report(Timings(saves=[0.0], reviews=[0.0], recordings=[0.0]))
        return
    asyncio.run(run(parser.parse_args(argv)))


async def run(args: argparse.Namespace) -> None:
    directory = fresh_directory("translation-pace.sqlite3*")
    settings = Settings(
        database=DatabaseSettings(
            url=f"sqlite+aiosqlite:///{directory / 'translation-pace.sqlite3'}"
        ),
        data_key=SecretStr(generate_key()),
        _env_file=None,
    )
    container = build_container(settings)
    async with container.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        await people(container)
        report(await measure(container))
    finally:
        await container.aclose()


if __name__ == "__main__":
    main()
