"""Rollout arithmetic and keys: batch sizes, order, budgets, and what is refused at load."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.executor.playbook_executor import PlaybookExecutor

from netraven.domain import HostOutcome, HostStatus
from netraven.engine.policy import PlayGuard
from netraven.engine.rollout import batch_sizes, order_hosts, plan_rollout, play_policy
from netraven.errors import InputError
from netraven.playbook.loader import load_playbook
from netraven.playbook.schema import Play


def _play(**keys: Any) -> Play:
    return Play.model_validate({"hosts": "all", **keys})


@pytest.mark.parametrize(
    ("serial", "total", "sizes"),
    [
        (None, 5, [5]),
        (None, 0, []),
        (1, 3, [1, 1, 1]),
        (2, 5, [2, 2, 1]),
        (10, 3, [3]),
        ("2", 4, [2, 2]),  # a number written as a string, as Ansible accepts
        ("50%", 5, [2, 2, 1]),  # 2.5 rounds down
        ("30%", 10, [3, 3, 3, 1]),
        ("10%", 6, [1, 1, 1, 1, 1, 1]),  # 0.6 rounds down to 0, and the minimum is 1
        ("100%", 7, [7]),
        ([1, 2, 3], 6, [1, 2, 3]),
        ([1, 2], 7, [1, 2, 2, 2]),  # the last step repeats
        ([1, "10%", "100%"], 20, [1, 2, 17]),
        ([1, "50%"], 4, [1, 2, 1]),
        ([5, 1], 3, [3]),  # a batch never exceeds the hosts left
    ],
)
def test_batch_sizes(serial: Any, total: int, sizes: list[int]) -> None:
    play = _play(serial=serial)
    assert batch_sizes(play.serial, total) == sizes
    hosts = [f"h{i}" for i in range(total)]
    rollout = plan_rollout(0, play, hosts)
    assert [len(b) for b in rollout.batches] == sizes
    assert [h for b in rollout.batches for h in b] == hosts  # every host once, in order


@pytest.mark.parametrize(
    ("serial", "total"),
    [
        (1, 4),
        (3, 10),
        ("25%", 9),
        ("33%", 10),
        ("50%", 3),
        ([1, "20%", "100%"], 17),
        ([2, "10%"], 31),
        (["1%", 4], 12),
    ],
)
def test_batches_match_ansible(serial: Any, total: int) -> None:
    """Cross-check against ansible-core's own batching (installed for the vault tests)."""
    hosts = [f"h{i}" for i in range(total)]
    steps = serial if isinstance(serial, list) else [serial]
    fake = SimpleNamespace(_inventory=SimpleNamespace(get_hosts=lambda *a, **k: list(hosts)))
    theirs = PlaybookExecutor._get_serialized_batches(  # type: ignore[arg-type]
        fake, SimpleNamespace(hosts="all", order="inventory", serial=steps)
    )
    ours = plan_rollout(0, _play(serial=serial), hosts).batches
    assert ours == theirs


def test_percentages_are_exact_where_ansible_rounds_a_float() -> None:
    """The one documented difference (docs/ansible-differences.md): 29% of 100 is 29."""
    hosts = [f"h{i}" for i in range(100)]
    fake = SimpleNamespace(_inventory=SimpleNamespace(get_hosts=lambda *a, **k: list(hosts)))
    theirs = PlaybookExecutor._get_serialized_batches(  # type: ignore[arg-type]
        fake, SimpleNamespace(hosts="all", order="inventory", serial=["29%"])
    )
    assert len(theirs[0]) == 28
    assert batch_sizes(["29%"], 100) == [29, 29, 29, 13]


def test_order() -> None:
    hosts = ["sw2", "sw10", "sw1", "core"]
    assert order_hosts(hosts, "inventory") == hosts
    assert order_hosts(hosts, "reverse_inventory") == ["core", "sw1", "sw10", "sw2"]
    assert order_hosts(hosts, "sorted") == ["core", "sw1", "sw10", "sw2"]  # by name, as Ansible
    assert order_hosts(hosts, "reverse_sorted") == ["sw2", "sw10", "sw1", "core"]
    shuffled = {tuple(order_hosts(hosts, "shuffle", random.Random(seed))) for seed in range(20)}
    assert all(sorted(s) == sorted(hosts) for s in shuffled)
    assert len(shuffled) > 1  # it does shuffle
    assert order_hosts(hosts, "shuffle", random.Random(7)) == order_hosts(
        hosts, "shuffle", random.Random(7)
    )


def test_batches_are_cut_from_the_ordered_hosts() -> None:
    play = _play(serial=[1, 2], order="reverse_sorted")
    rollout = plan_rollout(0, play, ["a", "b", "c", "d"])
    assert rollout.hosts == ["d", "c", "b", "a"]
    assert rollout.batches == [["d"], ["c", "b"], ["a"]]


def test_play_level_keys_are_folded_into_the_policy() -> None:
    policy, implied = play_policy(_play(max_fail_percentage=25, any_errors_fatal=True))
    assert (policy.max_fail_percentage, policy.any_errors_fatal, implied) == (25, True, False)
    policy, implied = play_policy(_play(recovery={"max_fail_percentage": 10}))
    assert (policy.max_fail_percentage, policy.any_errors_fatal) == (10, False)
    # A rollback scope wider than a host stops at the first failure unless told otherwise.
    wide = {"on_failure": "rollback", "rollback_scope": "batch"}
    policy, implied = play_policy(_play(recovery=wide))
    assert (policy.max_fail_percentage, implied) == (0, True)
    policy, implied = play_policy(_play(recovery=wide, max_fail_percentage=50))
    assert (policy.max_fail_percentage, implied) == (50, False)


def _outcomes(statuses: list[HostStatus]) -> list[HostOutcome]:
    return [HostOutcome(f"h{i}", 0, "p", s) for i, s in enumerate(statuses)]


def test_verdict_per_batch_budget_and_whole_batch_failure() -> None:
    play = _play(serial=2, max_fail_percentage=50)
    rollout = plan_rollout(0, play, ["h0", "h1", "h2", "h3", "h4"])
    # 1 of 2 is 50%, not more: the next batch starts.
    guard = PlayGuard(2, rollout.policy)
    guard.host_failed("h0", fatal=False)
    assert rollout.verdict(1, guard, _outcomes([HostStatus.FAILED, HostStatus.OK])) is None
    # The budget is the batch's: 2 of 2 is more than 50%.
    guard = PlayGuard(2, rollout.policy)
    guard.host_failed("h2", fatal=False)
    guard.host_failed("h3", fatal=False)
    reason = rollout.verdict(2, guard, _outcomes([HostStatus.FAILED] * 2))
    assert reason == "batch 2/3: 2 of 2 hosts failed, more than max_fail_percentage 50%"

    # Without a budget, a batch whose every host failed still stops the rollout (Ansible)…
    rollout = plan_rollout(0, _play(serial=1), ["h0", "h1"])
    guard = PlayGuard(1, rollout.policy)
    failed = _outcomes([HostStatus.UNREACHABLE])
    assert rollout.verdict(1, guard, failed) == "batch 1/2: all 1 host(s) of the batch failed"
    # …but the last batch stops nothing, so it is a plain failure, not an abort.
    assert rollout.verdict(2, PlayGuard(1, rollout.policy), failed) is None


def test_implied_budget_is_named_in_the_reason() -> None:
    play = _play(serial=2, recovery={"on_failure": "rollback", "rollback_scope": "play"})
    rollout = plan_rollout(0, play, ["a", "b", "c"])
    guard = PlayGuard(2, rollout.policy)
    guard.host_failed("a", fatal=False)
    reason = rollout.verdict(1, guard, _outcomes([HostStatus.ROLLED_BACK, HostStatus.OK]))
    assert reason is not None and reason.startswith("batch 1/2: 1 of 2 hosts failed")
    assert reason.endswith("(implied by rollback_scope: play)")


BAD = [
    ("serial: 0", "play[0].serial", "0: a batch size"),
    ("serial: -2", "play[0].serial", "-2: a batch size"),
    ("serial: '150%'", "play[0].serial", "'150%': a batch size"),
    ("serial: '0%'", "play[0].serial", "'0%': a batch size"),
    ("serial: '12.5%'", "play[0].serial", "'12.5%': a batch size"),
    ("serial: abc", "play[0].serial", "'abc': a batch size"),
    ("serial: [1, '10%', nope]", "play[0].serial", "'nope': a batch size"),
    ("serial: []", "play[0].serial", "give at least one batch size"),
    ("serial: true", "play[0].serial", "True: a batch size"),
    ("serial: 2.5", "play[0].serial", "2.5: a batch size"),
    ("order: random", "play[0].order", "'inventory', 'reverse_inventory'"),
    (
        "max_fail_percentage: 10\n  recovery: {max_fail_percentage: 20}",
        "play[0].max_fail_percentage",
        "given both here and in the play's recovery block",
    ),
    (
        "any_errors_fatal: true\n  recovery: {any_errors_fatal: false}",
        "play[0].any_errors_fatal",
        "given both",
    ),
    ("max_fail_percentage: 101", "play[0].max_fail_percentage", "less than or equal to 100"),
    (
        "recovery: {rollback_scope: batch}",
        "play[0].recovery",
        "rollback_scope: batch needs on_failure: rollback",
    ),
    (
        "recovery: {on_failure: rollback, rollback_scope: site}",
        "play[0].recovery.rollback_scope",
        "'host', 'batch' or 'play'",
    ),
]


@pytest.mark.parametrize(("keys", "field", "message"), BAD)
def test_bad_rollout_keys_are_input_errors_with_file_and_line(
    tmp_path: Path, keys: str, field: str, message: str
) -> None:
    book = tmp_path / "play.yml"
    book.write_text(f"- hosts: all\n  {keys}\n  tasks:\n    - command: show version\n")
    with pytest.raises(InputError) as caught:
        load_playbook(book)
    text = str(caught.value)
    assert text.startswith(f"{book}:2: {field}: "), text
    assert message in text
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ("throttle: 0", "play[0].tasks[0].throttle: Input should be greater than or equal to 1"),
        ("throttle: many", "play[0].tasks[0].throttle: Input should be a valid integer"),
        (
            "recovery: {on_failure: rollback, rollback_scope: batch}",
            "play[0].tasks[0].recovery: Value error, rollback_scope: only allowed in a play's",
        ),
    ],
)
def test_bad_task_keys(tmp_path: Path, task: str, message: str) -> None:
    book = tmp_path / "play.yml"
    book.write_text(f"- hosts: all\n  tasks:\n    - command: show version\n      {task}\n")
    with pytest.raises(InputError) as caught:
        load_playbook(book)
    assert str(caught.value).startswith(f"{book}:4: {message}"), str(caught.value)


def test_good_rollout_keys_load(tmp_path: Path) -> None:
    book = tmp_path / "play.yml"
    book.write_text(
        "- hosts: all\n"
        "  serial: [1, '10%', 100%]\n"
        "  order: shuffle\n"
        "  max_fail_percentage: 0\n"
        "  recovery: {on_failure: rollback, rollback_scope: play}\n"
        "  tasks:\n"
        "    - command: show version\n"
        "      throttle: 2\n"
    )
    play = load_playbook(book).plays[0]
    assert play.serial == [1, "10%", "100%"]
    assert (play.order, play.max_fail_percentage, play.recovery.rollback_scope) == (
        "shuffle",
        0,
        "play",
    )
    assert play.tasks[0].throttle == 2
