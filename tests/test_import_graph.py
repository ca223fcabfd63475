"""The layers of the code point one way, and no two modules import each other.

Read from the source by ``tests.import_graph`` (``python -m tests.import_graph``
prints the whole graph)."""

from __future__ import annotations

from tests.import_graph import PACKAGES, cycles, edges, package_of, top_level_imports

CHECKED = ("bot", "dialogs", "plan_store", "staff_console")

MAY_IMPORT = {
    # "rumbo" for the settings' types, until bot/ takes small config objects instead.
    "bot": {"dialogs", "plan_store", "locales", "web", "rumbo"},
    "dialogs": {"plan_store", "locales"},
    # The console records what staff changed; dialogs/ says it to the adolescent.
    "staff_console": {"dialogs", "plan_store", "locales", "web"},
    "plan_store": {"locales"},
    "locales": set(),
    "web": set(),  # HTTP pieces the console and the web parts of bot/ share
    "rumbo": set(PACKAGES),  # the composition root puts the parts together
}

TRANSPORTS = {"bot", "telegram", "httpx", "starlette", "staff_console"}


def test_no_modules_of_bot_dialogs_plan_store_or_the_console_import_each_other() -> None:
    found = [group for group in cycles(edges()) if any(package_of(m) in CHECKED for m in group)]
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(g) for g in found)


def test_each_package_imports_only_the_layers_below_it() -> None:
    wrong = sorted(
        f"{e.source} imports {e.target}"
        for e in edges()
        if package_of(e.target) != package_of(e.source)
        and package_of(e.target) not in MAY_IMPORT[package_of(e.source)]
    )
    assert wrong == []


def test_the_dialogs_know_no_transport() -> None:
    wrong = sorted(
        f"{module} imports {name}"
        for module, names in top_level_imports().items()
        if package_of(module) == "dialogs"
        for name in names & TRANSPORTS
    )
    assert wrong == []
