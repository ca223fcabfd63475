"""The messages the adolescent gets without writing first: reminders, "did you go?",
a step's day, the monthly check-in after care, the question about it, consent
again at 18, the questions before an evaluation and the news of her proposals.

Each is a sweep, a plain function of ``(uow, now)`` that the scheduler
(``bot.scheduler``) calls when it decides to: the sweep finds what is due at
``now`` through the plan store's services and takes its words from the dialogs
(``dialogs.reminders``, ``dialogs.pre_evaluation``, ...). They live here, beside
the words, rather than in the scheduler, so that the scheduler only decides when
and knows nothing of a transport, and so that every word an adolescent reads comes
from ``dialogs``. The sweeps that only read and write the plan (flags for staff,
erasure, stale rows) are the plan store's (``plan_store.services.due_flags`` and
the others the job table names).

Nothing is kept between runs. Each message a sweep makes carries a dedupe key
(unique in the database), so running a sweep twice, or in two processes at once,
sends once. A sweep returns how many messages it made and never commits: the caller
does. It reads what it needs (chats, languages, consent, which keys are taken) for
all its cases at once, a few queries per chunk of cases rather than per case, and
adds its messages in one statement at its end: a catch-up of thousands of
reminders takes seconds.

Messages go only to a chat linked to an open case whose consent for messaging is in
force (``plan_store.services.recipients``; the re-consent prompt at 18 is the one
exception: it asks for that consent), in the chat's language, dated in the home's
time zone. They are not urgent: the outbox holds them during the home's quiet hours.

Catching up (a scheduler stopped for a while): for each appointment only the latest
reminder whose time has come is sent, and none once it has started; "did you go?"
is asked up to three days after; check-ins send only the latest due one; a step is
reminded only on its due day. What is left goes out in order, oldest appointment
first.
"""
