"""Rumbo's languages: gettext catalogs, translators and Babel formatting.

Calling convention (so that extraction finds the strings)
    Spanish is the source language: the msgid is the Spanish text. Call the gettext
    methods with string literals, directly or on a Translator object::

        t = translator(chat.language)
        # Translators: {name} is the alias the adolescent chose.
        t.gettext("Hola, {name} 👋").format(name=alias)
        t.ngettext("Tienes {n} cita", "Tienes {n} citas", n).format(n=n)
        t.pgettext("button", "Volver")

    Extraction matches the name before "(" (`_`, `gettext`, `ngettext`, `pgettext`,
    `npgettext`, `N_`), so `t.gettext("...")`, `self.t.gettext("...")` and
    `_("...")` are all found. Never pass a variable or an f-string: it is not
    extracted. Mark module-level constants with `N_("...")` and translate them where
    they are shown (`t.gettext(GOALS)`). Format after translating, with keyword
    placeholders (`{name}`, never `{}`), and put a `# Translators:` comment on the
    line before the call to explain each placeholder. In Jinja templates use
    `{{ _("...") }}` or `{% trans %}`; a Translator can be installed with
    `env.install_gettext_translations(translator(code), newstyle=True)`.

Fallback
    A string with no usable translation in the chosen language stays Spanish: a
    missing or empty msgstr, a fuzzy entry, or a translation whose placeholders do not
    match the msgid's. The es catalog keeps every msgstr empty on purpose: its
    entries only record which messages exist; the Spanish text lives in the code.

Review convention (Mayan languages; `Language.needs_review`)
    Nobody on the team can vouch for a K'iche', Mam, Q'eqchi' or Q'anjob'al text, so
    a translation counts as reviewed only when a native speaker has signed the entry
    with a translator comment (`#` lines, which `pybabel update` preserves)::

        # reviewed-by: Ana Tzoc (interpreter, Casa Norte), 2025-04-02
        msgid "⬅️ Volver"
        msgstr "..."

    Every other translated entry is a draft: it is shown (better than Spanish for
    greetings and the like), counted as a draft in `catalog_stats()`, and usually
    carries a `# draft: ...` comment saying who wrote it and what to check. Fuzzy
    entries are never shown. When `manage update` makes a reviewed entry fuzzy
    because its Spanish text changed, the comment becomes
    `reviewed-earlier-text-by: ...`, so the new text needs a new review. Flags are
    not used for review state because a `#, draft` flag is easy to lose in other
    tools; comments survive merges.

Console translations
    Translations made and reviewed in the console (``plan_store.services.translations``)
    win over the catalog: ``set_overrides`` installs them in every Translator of the
    process, checked like the catalog's. ``locales.exchange`` writes them into a
    catalog and reads them back with their signatures; ``locales.core_set`` names the
    messages a language must have reviewed before it is offered as ready.

Voice prompts
    Recorded voice notes of a screen, per message key and language, for those who
    read little: `locales/<lang>/voice/<key>.ogg` (each `:` of the key written `.`) or
    an upload by staff in the database. See `locales.voice`.

Catalog upkeep: `uv run python -m locales.manage extract|update|compile|init LANG|check|stats`.
"""

from locales.catalogs import N_, Translator, load_translator, translator
from locales.formats import format_date, format_datetime, format_number, format_time
from locales.languages import LANGUAGES, SOURCE_LANGUAGE, Language, is_supported, language
from locales.review import CatalogStats, ReviewState, catalog_stats
from locales.voice import (
    MAX_VOICE_PROMPT_BYTES,
    is_voice_key,
    ogg_opus_problem,
    read_voice_prompt,
    voice_prompt_path,
)

__all__ = [
    "LANGUAGES",
    "MAX_VOICE_PROMPT_BYTES",
    "N_",
    "SOURCE_LANGUAGE",
    "CatalogStats",
    "Language",
    "ReviewState",
    "Translator",
    "catalog_stats",
    "format_date",
    "format_datetime",
    "format_number",
    "format_time",
    "is_supported",
    "is_voice_key",
    "language",
    "load_translator",
    "ogg_opus_problem",
    "read_voice_prompt",
    "translator",
    "voice_prompt_path",
]
