"""A screen in WhatsApp's terms, and the approved templates: pure functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.whatsapp.render import Layout, layout_of, numbered_menu, render, split_text
from bot.whatsapp.templates import (
    TEMPLATES_DIR,
    TemplateBook,
    TemplateError,
    TemplateHint,
    default_book,
    parse_template,
)
from bot.whatsapp.titles import cut, graphemes, utf16_length
from dialogs.screens import Button, Screen

FAMILY = "👨‍👩‍👧‍👦"  # one character, eleven UTF-16 units
FLAG = "🇲🇽"
THUMB = "👍🏽"
KEYCAP = "3️⃣"


def screen_with(count: int, text: str = "Elige:", label: str = "Opción {n}") -> Screen:
    return Screen(
        text, tuple((Button(label.format(n=n), f"act:{n}"),) for n in range(1, count + 1))
    )


# ----------------------------------------------------------------- cutting


def test_a_title_that_fits_is_kept_as_it_is() -> None:
    assert cut("✔️ Voy a ir", 20) == "✔️ Voy a ir"
    assert cut("  🎯   Mis\nmetas ", 20) == "🎯 Mis metas"


def test_a_long_title_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert cut("🙋 Hablar con mi operadora", 20) == "🙋 Hablar con mi…"
    assert cut("Inscripción al taller de carpintería", 24) == "Inscripción al taller…"
    assert cut("Supercalifragilísticoespialidoso", 10) == "Supercali…"


@pytest.mark.parametrize("emoji", [FAMILY, FLAG, THUMB, KEYCAP, "❤️", "👩🏾‍💻"])
def test_an_emoji_is_never_split(emoji: str) -> None:
    for limit in range(1, 24):
        result = cut(emoji * 6, limit)
        assert utf16_length(result) <= limit
        body = result.removesuffix("…")
        assert body == emoji * (len(body) // len(emoji))


def test_accents_typed_as_combining_marks_stay_on_their_letter() -> None:
    decomposed = "Educacio\u0301n bási\u0301ca"  # ó and í as two code points each
    assert cut(decomposed, 10) == "Educacio\u0301…"
    assert cut(decomposed, 9) == "Educaci…"  # the o goes with its accent, or not at all
    assert graphemes("ño\u0301") == ["ñ", "o\u0301"]


@given(st.text(max_size=60), st.integers(min_value=1, max_value=30))
def test_a_cut_fits_and_is_made_of_whole_characters(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert utf16_length(result) <= limit
    normalised = " ".join(text.split())
    if result == normalised:
        return
    assert result.endswith("…")
    head = result.removesuffix("…")
    assert normalised.startswith(head)
    # The head ends between two characters of the text, never inside one.
    clusters = graphemes(normalised)
    joined = ""
    for cluster in clusters:
        if len(joined) >= len(head):
            break
        joined += cluster
    assert joined == head


@given(st.text(min_size=1, max_size=300))
def test_a_long_text_is_split_without_losing_anything(text: str) -> None:
    pieces = split_text(text, 40)
    assert all(utf16_length(p) <= 40 or len(graphemes(p)) == 1 for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())


# ----------------------------------------------------------------- layouts


def test_text_only_is_a_text_message() -> None:
    rendered = render(Screen("Hola 👋 Soy Rumbo."))
    assert rendered.layout is Layout.TEXT
    assert rendered.messages == [
        {"type": "text", "text": {"body": "Hola 👋 Soy Rumbo.", "preview_url": False}}
    ]


def test_three_buttons_are_reply_buttons() -> None:
    screen = Screen(
        "¿Vas a ir?",
        (
            (Button("✔️ Voy a ir", "appt:ok:7"), Button("❌ No puedo ir", "appt:no:7")),
            (Button("🔁 Cambiar la fecha de mi cita", "appt:chg:7"),),
        ),
    )
    (message,) = render(screen).messages
    assert message["interactive"]["type"] == "button"
    assert message["interactive"]["body"] == {"text": "¿Vas a ir?"}
    assert [b["reply"] for b in message["interactive"]["action"]["buttons"]] == [
        {"id": "appt:ok:7", "title": "✔️ Voy a ir"},
        {"id": "appt:no:7", "title": "❌ No puedo ir"},
        {"id": "appt:chg:7", "title": "🔁 Cambiar la fecha…"},
    ]


def test_seven_buttons_are_a_list_with_whole_labels_in_descriptions() -> None:
    screen = screen_with(7, label="Meta {n}: terminar la secundaria abierta")
    rendered = render(screen, "en")
    assert rendered.layout is Layout.LIST
    action = rendered.messages[0]["interactive"]["action"]
    assert action["button"] == "📋 Options"
    (section,) = action["sections"]
    assert "title" not in section  # one section needs none
    first = section["rows"][0]
    assert first == {
        "id": "act:1",
        "title": "Meta 1: terminar la…",
        "description": "Meta 1: terminar la secundaria abierta",
    }
    assert render(screen_with(7)).messages[0]["interactive"]["action"]["sections"][0]["rows"][
        0
    ] == {"id": "act:1", "title": "Opción 1"}


def test_twelve_buttons_are_a_numbered_text_menu() -> None:
    screen = screen_with(12)
    rendered = render(screen)
    assert rendered.layout is Layout.NUMBERED
    body = rendered.messages[0]["text"]["body"]
    assert body.startswith("Elige:\n\n1. Opción 1\n2. Opción 2\n")
    assert "12. Opción 12\n\n✍️ Escribe el número" in body
    assert rendered.menu == tuple(f"act:{n}" for n in range(1, 13))
    assert numbered_menu(screen.to_payload()) == rendered.menu


def test_buttons_that_look_alike_once_cut_become_a_list() -> None:
    screen = Screen(
        "¿Cuál?",
        (
            (Button("Terminar la secundaria abierta", "goal:1"),),
            (Button("Terminar la secundaria técnica", "goal:2"),),
        ),
    )
    assert layout_of(screen) is Layout.LIST


def test_a_body_too_long_for_an_interactive_message_becomes_a_numbered_menu() -> None:
    screen = screen_with(2, text="Palabra " * 200)
    assert layout_of(screen) is Layout.NUMBERED
    assert numbered_menu(screen.to_payload()) == ("act:1", "act:2")


def test_only_numbered_menus_answer_typed_numbers() -> None:
    assert numbered_menu(screen_with(3).to_payload()) is None
    assert numbered_menu(screen_with(10).to_payload()) is None
    assert numbered_menu({"text": "hola", "buttons": []}) is None
    assert numbered_menu({"buttons": "not a screen"}) is None


def test_a_text_over_4096_goes_in_pieces() -> None:
    text = ("Una línea con acentos y emoji 🎯.\n" * 200).strip()
    rendered = render(Screen(text))
    bodies = [m["text"]["body"] for m in rendered.messages]
    assert len(bodies) == 2 and all(utf16_length(b) <= 4096 for b in bodies)
    assert "\n".join(bodies) == text


# ----------------------------------------------------------------- templates


def test_every_template_in_the_repository_is_well_formed() -> None:
    book = TemplateBook.load()
    assert book.names() >= {
        "recordatorio_cita",
        "pregunta_asistencia",
        "recordatorio_paso",
        "seguimiento",
        "mensaje_pendiente",
    }
    for path in sorted(TEMPLATES_DIR.glob("*.*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        template = parse_template(data, source=path.name)
        assert path.name == f"{template.name}.{template.language}.json"
        for text in template.button_texts:
            assert utf16_length(text) <= 20, (path.name, text)
        # Every chat language has each template (Mayan languages use Spanish, or a
        # translation of it once Meta approved one).
        for language in ("es", "en", "quc", "mam", "kek", "kjb"):
            assert book.find(template.key, language).key == template.key


def test_a_hint_becomes_the_api_template_object() -> None:
    hint = TemplateHint(
        "recordatorio_cita",
        params=("Lu", "Mañana\na las 10:00", "Taller   de carpintería"),
        buttons=("appt:ok:7", "appt:no:7", "appt:chg:7"),
    )
    message = default_book().message(hint, "quc")
    assert message["name"] == "recordatorio_cita"
    assert message["language"] == {"code": "es_MX"}
    body, *buttons = message["components"]
    assert [p["text"] for p in body["parameters"]] == [
        "Lu",
        "Mañana a las 10:00",  # no line breaks or runs of spaces in a parameter
        "Taller de carpintería",
    ]
    assert [(b["index"], b["parameters"][0]["payload"]) for b in buttons] == [
        ("0", "appt:ok:7"),
        ("1", "appt:no:7"),
        ("2", "appt:chg:7"),
    ]


@pytest.mark.parametrize(
    ("hint", "problem"),
    [
        (TemplateHint("no_such_template"), "no WhatsApp template"),
        (TemplateHint("recordatorio_cita", params=("Lu",)), "takes 3 parameters"),
        (TemplateHint("recordatorio_cita", params=("Lu", "", "x")), "empty parameter"),
        (TemplateHint("recordatorio_cita", params=("a", "b", "c"), buttons=()), "3 buttons"),
    ],
)
def test_a_hint_that_does_not_fit_the_approved_text_is_refused(
    hint: TemplateHint, problem: str
) -> None:
    with pytest.raises(TemplateError, match=problem):
        default_book().message(hint, "es")


def test_a_hint_is_read_from_the_payload() -> None:
    assert TemplateHint.from_payload({"text": "hola"}) is None
    assert TemplateHint.from_payload({"template": "seguimiento"}) == TemplateHint("seguimiento")
    assert TemplateHint.from_payload(
        {"template": {"name": "seguimiento", "params": ["Lu"], "buttons": ["a", "b"]}}
    ) == TemplateHint("seguimiento", ("Lu",), ("a", "b"))
    with pytest.raises(TemplateError):
        TemplateHint.from_payload({"template": {"params": []}})


def test_a_template_file_with_a_mismatched_placeholder_is_refused(tmp_path: Path) -> None:
    data = json.loads((TEMPLATES_DIR / "seguimiento.es_MX.json").read_text(encoding="utf-8"))
    data["body"] = "Hola {{1}}, ¿y {{2}}?"
    with pytest.raises(TemplateError, match="placeholders"):
        parse_template(data)
