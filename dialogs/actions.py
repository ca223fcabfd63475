"""Every ``Button.action`` the conversation understands.

Actions are compact (at most 64 bytes: Telegram's ``callback_data``) and are never
trusted: any id in one is checked against the chat's own case through the services,
and an action that names something else, or that no longer fits the chat's place,
answers "Ese botón ya no sirve" and shows the menu. Other parts (the scheduler's
reminders, the transports) build their buttons with the functions below.

Open to every chat (even unlinked, or before consent):

    menu                      the main menu (or, before consent, what the chat may do)
    lang                      choose a language
    lang:<code>               speak <code> (a code of locales.LANGUAGES)
    about                     what Rumbo is
    help                      how Rumbo works
    person                    talk to a person (before consent: asks for urgency)
    person:u:<1|0>            ... urgent (1) or it can wait (0)
    speaker                   ask for someone who speaks the chat's language (linked
                              chats, consent or not; see dialogs.speaker)
    consent                   read the consent text
    consent:more              its details
    consent:yes:<version>     agree to that version (a stale version shows the new text)
    consent:no:<version>      say no, kindly
    priv:clear                delete the messages the bot sent (shared phones)
    priv:stop, priv:stop:yes  leave Rumbo (also open to a linked chat without consent)

Only for a linked chat with consent in force:

    goals                     goals by programme
    goals:<programme>         the goals of one programme (plan_store.enums.Programme)
    goal:<id>                 one goal: progress and next step
    goal:help:<id>            "I need help with this goal" (a request to the operator)
    step:done:<id>            "I did it" (staff confirm it)
    appts                     upcoming appointments
    appt:<id>                 one appointment
    appt:ok:<id>              I'll go                      (also in reminders)
    appt:no:<id>              I can't go (asks a reason)   (also in reminders)
    appt:chg:<id>             change it (asks a reason)    (also in reminders)
    appt:skip:<no|chg>:<id>   ... without a reason
    appt:went:<id>            I went                       (the "did you go?" after)
    appt:missed:<id>          I did not go                 (the "did you go?" after)
    op                        talk to my operator: the reasons
    op:r:<reason>             a reason (plan_store.enums.RequestReason); asks a message
    op:skip:<reason>          ... without a message
    op:u:<reason>:<1|0>       ... urgent (1) or it can wait (0)
    op:now                    urgent, straight away (from the safety answer)
    fu:<checkin_id>           a follow-up check-in after care: its next question
    fu:<checkin_id>:<question>:<answer>   one answer (see dialogs.follow_up)
    fuc:ask:<case_id>         after care: do you want the monthly check-ins?
    fuc:more:<case_id>        ... its details
    fuc:yes:<version>:<case_id>, fuc:no:<version>:<case_id>   ... the answer
    fuc:on:<version>:<case_id>, fuc:off:<case_id>   ... started or stopped from Privacy
                              (see dialogs.follow_up_consent; another case's id is stale)
    prop:goal                 "💡 Quiero proponer una meta": the programmes
    prop:g:<programme>        ... its horizon
    prop:g:<programme>:<horizon>   ... asks for its words (typed)
    prop:step:<goal_id>       "➕ Agregar un paso" to a goal: asks for its words
    prop:when:<when>          ... by when (dialogs.proposals.WHEN); then it goes to staff
    pe:<id>:<question>:<answer>, pe:<id>:skip   before an evaluation (dialogs.pre_evaluation)
    agr:<id>:ok, agr:<id>:talk   the agreements of an evaluation (dialogs.agreements)
    cx:op, cx:q               ask for another operator, or complain (dialogs.concerns)
    cx:send:<op|q>            ... without words
    rights, rights:rules, rights:mine, rights:opts, rights:opt:<option>,
    rights:talk:<topic>       "Tus derechos y reglas" (dialogs.rights)
    priv                      privacy: what is kept, clear the chat, leave Rumbo (and,
                              after care, the monthly check-ins: on or off)
    priv:stop                 leave Rumbo (withdraw consent): asks to confirm
    priv:stop:yes             ... confirmed
"""

from __future__ import annotations

from plan_store.enums import Horizon, Programme, RequestReason

MENU = "menu"
LANGUAGE = "lang"
ABOUT = "about"
HELP = "help"
PERSON = "person"
SPEAKER = "speaker"
CONSENT = "consent"
CONSENT_MORE = "consent:more"
GOALS = "goals"
APPOINTMENTS = "appts"
OPERATOR = "op"
OPERATOR_NOW = "op:now"
PRIVACY = "priv"
CLEAR_CHAT = "priv:clear"
WITHDRAW = "priv:stop"
WITHDRAW_CONFIRMED = "priv:stop:yes"
PROPOSE_GOAL = "prop:goal"
RIGHTS = "rights"
CHANGE_OPERATOR = "cx:op"
COMPLAIN = "cx:q"

CANNOT_GO = "no"
CHANGE = "chg"


def language(code: str) -> str:
    return f"lang:{code}"


def person_urgency(urgent: bool) -> str:
    return f"person:u:{int(urgent)}"


def consent_yes(version: int) -> str:
    return f"consent:yes:{version}"


def consent_no(version: int) -> str:
    return f"consent:no:{version}"


def programme(value: Programme) -> str:
    return f"goals:{value.value}"


def goal(goal_id: int) -> str:
    return f"goal:{goal_id}"


def goal_help(goal_id: int) -> str:
    return f"goal:help:{goal_id}"


def step_done(step_id: int) -> str:
    return f"step:done:{step_id}"


def appointment(appointment_id: int) -> str:
    return f"appt:{appointment_id}"


def will_go(appointment_id: int) -> str:
    return f"appt:ok:{appointment_id}"


def cannot_go(appointment_id: int) -> str:
    return f"appt:no:{appointment_id}"


def change(appointment_id: int) -> str:
    return f"appt:chg:{appointment_id}"


def skip_reason(answer: str, appointment_id: int) -> str:
    return f"appt:skip:{answer}:{appointment_id}"


def went(appointment_id: int) -> str:
    return f"appt:went:{appointment_id}"


def missed(appointment_id: int) -> str:
    return f"appt:missed:{appointment_id}"


def operator_reason(reason: RequestReason) -> str:
    return f"op:r:{reason.value}"


def operator_skip(reason: RequestReason) -> str:
    return f"op:skip:{reason.value}"


def operator_urgency(reason: RequestReason, urgent: bool) -> str:
    return f"op:u:{reason.value}:{int(urgent)}"


def propose_programme(value: Programme) -> str:
    return f"prop:g:{value.value}"


def propose_horizon(programme: Programme, horizon: Horizon) -> str:
    return f"prop:g:{programme.value}:{horizon.value}"


def propose_step(goal_id: int) -> str:
    return f"prop:step:{goal_id}"


def propose_when(key: str) -> str:
    return f"prop:when:{key}"
