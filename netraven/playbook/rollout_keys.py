"""Validation of a play's rollout keys (``serial``, ``order``, play-level failure budgets).

These checks live here, not in the engine's ``rollout`` module, because the schema imports
them and the engine imports the schema: a bad ``serial`` must be an input error at load
time, with the playbook's file and line, before any device is contacted.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationInfo

__all__ = [
    "ORDERS",
    "PLAY_LEVEL_RECOVERY_KEYS",
    "SerialStep",
    "not_also_in_recovery",
    "parse_serial",
    "scope_needs_rollback",
]

ORDERS = ("inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle")
PLAY_LEVEL_RECOVERY_KEYS = ("max_fail_percentage", "any_errors_fatal")

# A batch size: a number of hosts (int) or a percentage of the play's hosts ("30%").
SerialStep = int | str

_HINT = "a batch size is a whole number of hosts (at least 1) or a percentage from 1% to 100%"


def _step(value: Any) -> SerialStep:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{value!r}: {_HINT}")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"{value}: {_HINT}")
        return value
    text = value.strip()
    if text.endswith("%"):
        digits = text[:-1].strip()
        if not digits.isdigit() or not 1 <= int(digits) <= 100:
            raise ValueError(f"'{value}': {_HINT}")
        return f"{int(digits)}%"
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"'{value}': {_HINT}")
    return int(text)


def parse_serial(value: Any) -> Any:
    """``serial`` as a list of steps: ``5``, ``"30%"`` or ``[1, "10%", "100%"]``."""
    if value is None:
        return None
    steps = value if isinstance(value, list) else [value]
    if not steps:
        raise ValueError("give at least one batch size")
    return [_step(v) for v in steps]


def not_also_in_recovery(value: Any, info: ValidationInfo) -> Any:
    """A play-level ``max_fail_percentage``/``any_errors_fatal`` may not repeat ``recovery:``'s.

    Two places for one setting would leave the reader guessing which one wins.
    """
    recovery = info.data.get("recovery")
    if value is not None and recovery is not None and info.field_name in recovery.model_fields_set:
        raise ValueError(f"given both here and in the play's recovery block ({info.field_name})")
    return value


def scope_needs_rollback(recovery: Any) -> Any:
    """``rollback_scope`` wider than a host only means something with ``on_failure: rollback``."""
    if recovery.rollback_scope != "host" and recovery.on_failure != "rollback":
        raise ValueError(
            f"rollback_scope: {recovery.rollback_scope} needs on_failure: rollback "
            f"(on_failure is {recovery.on_failure})"
        )
    return recovery
