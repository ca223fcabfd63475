"""The outbox's delivery half: every change of an outbox row's state after it is written.

Producers write rows with ``plan_store.services.outbox`` (enqueue, cancel). From
then on, only this package changes a row's status, lease, attempts or error:

- ``delivery``: a sender's claim (with a lease), and the outcome it records (sent,
  retry, release, failed, chat gone).
- ``webchat``: the web chat's pull, which marks a chat's due rows sent as its page
  shows them.
- ``parking``: WhatsApp rows parked outside the 24-hour window, and their wake-up.
- ``payload``: the format of what a row carries.

Transports (``bot.outbox.sender``, ``bot.webchat``, ``bot.whatsapp``) call these and
keep only the platform calls, the pacing and the loop.
"""
