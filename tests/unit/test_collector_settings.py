"""The run command's garbage-collector settings: fewer collections, start-up objects frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from netraven.cli.collector import OLDER_THRESHOLDS, YOUNG_THRESHOLD, freeze_loaded, tune_for_run


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    frozen = gc.get_freeze_count()
    yield
    gc.set_threshold(*thresholds)
    if not frozen:
        gc.unfreeze()


@pytest.mark.usefixtures("restore_gc")
def test_tuned_thresholds_still_collect_cycles() -> None:
    tune_for_run()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    assert gc.isenabled()  # tuned, never switched off: cycles are still found

    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2  # the cycle is garbage the collector finds


@pytest.mark.usefixtures("restore_gc")
def test_freeze_exempts_what_is_loaded() -> None:
    before = gc.get_freeze_count()
    loaded = [{"kept": i} for i in range(100)]
    freeze_loaded()
    assert gc.get_freeze_count() >= before + len(loaded)
