"""Every message the chat shows tells its translators where it appears and what each
placeholder stands for (a `# Translators:` comment before the call in the code)."""

from __future__ import annotations

import re

from locales.checks import code_template

CHAT_CODE = ("bot/", "dialogs/", "locales/")


def test_every_chat_message_has_a_translator_comment_naming_its_placeholders() -> None:
    missing, unexplained = [], []
    for message in code_template():
        if not message.id or not any(f.startswith(CHAT_CODE) for f, _ in message.locations):
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        comment = " ".join(message.auto_comments)
        if not comment.strip():
            missing.append(ids[0])
            continue
        for name in {n for text in ids for n in re.findall(r"\{(\w+)\}", text)}:
            if "{" + name + "}" not in comment:
                unexplained.append(f"{{{name}}} in {ids[0]!r}")
    assert missing == []
    assert unexplained == []
