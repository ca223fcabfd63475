"""Privacy: what is kept, in plain words; clearing the chat; leaving Rumbo; and,
after care, the monthly check-ins (``dialogs.follow_up_consent``).

Leaving (withdrawing consent) is confirmed first, then stops everything at once:
pending messages are cancelled, the chat is unlinked, and the chat content is erased
when the home keeps none. Clearing the chat deletes the messages the bot sent, for
phones that others may see; it is open to every chat.
"""

from __future__ import annotations

from dialogs import actions, concerns, follow_up_consent, labels
from dialogs.common import Level, State, Turn, button, column, menu_button
from locales.core_strings import BACK
from plan_store.enums import Channel
from plan_store.services import consent


async def show(turn: Turn, note: str | None = None) -> None:
    t = turn.t
    operator = await turn.operator()
    # Translators: the privacy screen's title.
    title = t.gettext("⚙️ Tu privacidad")
    # Translators: on the privacy screen: what Rumbo keeps. "apodo": the nickname the adolescent
    # chose.
    kept = t.gettext("Guardo tu apodo, tu edad, tu idioma, tus metas y tus citas.")
    if operator:
        # Translators: {name} is the first name of the adolescent's operator.
        locked = t.gettext(
            "Lo que escribes y tus audios se guardan con llave 🔒. Solo los leen {name} "
            "y el equipo de tu casa."
        ).format(name=operator)
    else:
        # Translators: on the privacy screen: messages and voice notes are encrypted ("con llave":
        # locked).
        locked = t.gettext(
            "Lo que escribes y tus audios se guardan con llave 🔒. Solo los lee el equipo "
            "de tu casa."
        )
    text = f"{title}\n\n{kept}\n{locked}"
    # Translators: button: the bot deletes the messages it sent here (for a shared phone).
    buttons = [button(t.gettext("🧹 Borrar este chat"), actions.CLEAR_CHAT)]
    check_ins = await follow_up_consent.privacy_section(turn)
    if check_ins is not None:
        about, toggle = check_ins
        text += f"\n\n{about}"
        buttons.append(toggle)
    buttons += [
        button(t.gettext(concerns.CHANGE_OPERATOR), actions.CHANGE_OPERATOR),
        button(t.gettext(concerns.COMPLAIN), actions.COMPLAIN),
        button(t.gettext(labels.LEAVE), actions.WITHDRAW),
        button(t.gettext(BACK), actions.MENU),
    ]
    turn.say(text, column(*buttons), note=note)


async def clear(turn: Turn) -> None:
    t = turn.t
    if turn.channel is Channel.WHATSAPP:
        # WhatsApp lets no business delete what it sent: say so, never pretend.
        # Translators: WhatsApp does not let the bot delete its messages. "Borrar" is the Delete of
        # the WhatsApp app: use the word the phone shows.
        text = t.gettext(
            "En WhatsApp no puedo borrar mis mensajes. 🧹 Para que nadie los vea, "
            "borra este chat desde tu teléfono: mantén el chat presionado y toca Borrar."
        )
    else:
        turn.reply.clear_chat = True
        # Translators: after clearing the chat: the bot's messages are gone; the adolescent's own
        # may stay.
        text = t.gettext(
            "Listo, borré mis mensajes de este chat. 🧹 Si quieres, borra también los tuyos."
        )
    turn.say(text, [[menu_button(t)]])


async def ask_withdraw(turn: Turn) -> None:
    """Leaving is open to a linked chat with or without consent in force (one asked to
    consent again may prefer to leave); it shows nothing of the case."""
    if turn.level is Level.UNLINKED:
        await turn.stale()
        return
    t = turn.t
    home = await turn.home()
    days = home.retention_days if home else 0
    lines = [
        # Translators: before withdrawing consent; what happens follows, one line each.
        t.gettext("¿Seguro que quieres dejar Rumbo?"),
        # Translators: what leaving Rumbo does: the bot stops writing.
        t.gettext("• Ya no te escribo."),
        # Translators: what leaving Rumbo does: the chat is unlinked.
        t.gettext("• Este chat se desconecta."),
    ]
    if days == 0:
        # Translators: what leaving Rumbo does: the adolescent's messages are erased now.
        lines.append(t.gettext("• Se borra lo que escribiste aquí."))
    else:
        # Translators: {n} is a number of days.
        erased = t.ngettext(
            "• Lo que escribiste aquí se borra en {n} día.",
            "• Lo que escribiste aquí se borra en {n} días.",
            days,
        ).format(n=days)
        lines.append(erased)
    # Translators: the last line before leaving Rumbo: the care itself goes on.
    lines.append(t.gettext("Tu equipo sigue contigo en tu casa. 💛"))
    rows = column(
        # Translators: button: confirms leaving Rumbo (withdraws consent).
        button(t.gettext("✅ Sí, dejar Rumbo"), actions.WITHDRAW_CONFIRMED),
        # Translators: button: does not leave; goes back.
        button(t.gettext("⬅️ No, volver"), actions.PRIVACY if turn.is_open else actions.MENU),
    )
    turn.say("\n".join(lines), rows)


async def withdraw(turn: Turn) -> None:
    if turn.level is Level.UNLINKED or turn.case is None:
        await turn.stale()
        return
    t = turn.t
    await consent.withdraw(turn.uow, turn.case, channel=turn.channel)
    await turn.refresh()
    turn.go(State.CODE)
    # Translators: after leaving Rumbo (consent withdrawn).
    text = t.gettext(
        "Listo. Ya no te escribo. 💛\n"
        "Si algún día quieres volver, pide un código nuevo a tu equipo."
    )
    turn.say(text, [[button(t.gettext("🧹 Borrar este chat"), actions.CLEAR_CHAT)]])
