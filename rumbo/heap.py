"""A long-running process's heap, kept out of the cyclic garbage collector's way.

A full collection walks every object the process holds, and everything the event
loop has to do waits until it ends: in a process taking updates it took 88-265 ms
on a 2-core machine at load 2-3, so every reply on its way at that moment was late by as
much. Most of those objects (modules, mappers, compiled statements, the triage model)
are made at start and live as long as the process. ``settle`` loads what would
otherwise load on the first message, collects once, and freezes what is left
(``gc.freeze``): later collections walk only what was made since.

Freezing is done once, before the process serves anything: whatever is alive then
is never collected as a cycle, so nothing short-lived may be alive at that moment.
"""

from __future__ import annotations

import gc

from plan_store.triage import model as triage_model


def settle(*, triages: bool) -> None:
    """``triages``: the process reads adolescents' messages, so it loads the model now."""
    if triages:
        triage_model.load()
    gc.collect()
    gc.freeze()
