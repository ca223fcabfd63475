"""A serving process freezes what it made at start, so that a full collection of
the garbage collector (which stops the event loop) walks only what came later."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from plan_store.triage import model as triage_model
from rumbo import heap


@pytest.fixture
def thawed_afterwards() -> Iterator[None]:
    try:
        yield
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


@pytest.mark.usefixtures("thawed_afterwards")
def test_after_settling_a_full_collection_walks_only_what_came_later() -> None:
    triage_model.load.cache_clear()  # earlier tests may have loaded other models
    gc.collect()  # what earlier tests left as garbage is not what the process holds
    before = len(gc.get_objects())

    heap.settle(triages=True)

    assert triage_model.load.cache_info().currsize == 1, "the model waits for the first message"
    assert gc.get_freeze_count() >= before // 2
    assert len(gc.get_objects()) < before // 10


@pytest.mark.usefixtures("thawed_afterwards")
def test_a_process_that_reads_no_messages_does_not_load_the_triage_model() -> None:
    triage_model.load.cache_clear()

    heap.settle(triages=False)

    assert triage_model.load.cache_info().currsize == 0
