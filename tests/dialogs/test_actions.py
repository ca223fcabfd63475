"""The action vocabulary: compact, within Telegram's 64 bytes, and what reminders use."""

from __future__ import annotations

from dialogs import actions, appointments
from dialogs.screens import MAX_ACTION_BYTES
from locales import LANGUAGES
from plan_store.enums import Programme, RequestReason

BIGGEST_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def test_every_action_fits_telegrams_callback_data() -> None:
    built = [
        actions.MENU,
        actions.LANGUAGE,
        actions.ABOUT,
        actions.HELP,
        actions.PERSON,
        actions.CONSENT,
        actions.CONSENT_MORE,
        actions.GOALS,
        actions.APPOINTMENTS,
        actions.OPERATOR,
        actions.OPERATOR_NOW,
        actions.PRIVACY,
        actions.CLEAR_CHAT,
        actions.WITHDRAW,
        actions.WITHDRAW_CONFIRMED,
        actions.person_urgency(True),
        actions.consent_yes(BIGGEST_ID),
        actions.consent_no(BIGGEST_ID),
        actions.goal(BIGGEST_ID),
        actions.goal_help(BIGGEST_ID),
        actions.step_done(BIGGEST_ID),
        actions.appointment(BIGGEST_ID),
        actions.will_go(BIGGEST_ID),
        actions.cannot_go(BIGGEST_ID),
        actions.change(BIGGEST_ID),
        actions.skip_reason(actions.CHANGE, BIGGEST_ID),
        actions.went(BIGGEST_ID),
        actions.missed(BIGGEST_ID),
        *[actions.language(lang.code) for lang in LANGUAGES],
        *[actions.programme(p) for p in Programme],
        *[actions.operator_reason(r) for r in RequestReason],
        *[actions.operator_skip(r) for r in RequestReason],
        *[actions.operator_urgency(r, True) for r in RequestReason],
    ]
    for action in built:
        assert len(action.encode("utf-8")) <= MAX_ACTION_BYTES, action
    assert len(set(built)) == len(built)


def test_reminder_buttons_speak_the_chats_language() -> None:
    [[go, cannot, change]] = appointments.reminder_buttons("es", 7)
    assert (go.label, go.action) == ("✔️ Voy a ir", "appt:ok:7")
    assert (cannot.label, cannot.action) == ("❌ No puedo ir", "appt:no:7")
    assert (change.label, change.action) == ("🔁 Cambiar", "appt:chg:7")
    [[went, missed]] = appointments.attendance_buttons("en", 7)
    assert (went.label, went.action) == ("✔️ I went", "appt:went:7")
    assert (missed.label, missed.action) == ("❌ I didn't go", "appt:missed:7")
