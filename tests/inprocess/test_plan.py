"""What can be known before a run is refused before a run: exit 5, no device contacted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netraven.connections.base import default_registry
from netraven.engine.plan import plan_job
from netraven.errors import InputError
from netraven.platforms import PLATFORMS, PlatformProfile
from netraven.store import queries
from tests.inprocess.conftest import World

SHOW = "- hosts: all\n  tasks:\n    - command: show version\n"


def test_connection_extras_repeating_a_managed_argument(world: World) -> None:
    spec = world.spec(
        SHOW,
        {"r1": {"platform": "cisco_ios", "data": {"connection_extras": {"auth_username": "x"}}}},
    )
    with pytest.raises(InputError, match=r"r1: data.connection_extras.auth_username"):
        plan_job(spec.playbook, spec.inventory, None, default_registry())


def test_scrapli_on_a_platform_it_lacks(world: World) -> None:
    spec = world.spec(
        SHOW, {"r1": {"platform": "hp_procurve", "data": {"connection": "scrapli"}}}
    )
    with pytest.raises(InputError, match="connection 'scrapli' does not support platform"):
        plan_job(spec.playbook, spec.inventory, None, default_registry())


@pytest.fixture
def acme() -> Iterator[str]:
    """A platform a plugin registered, with a save command but nothing to compute a
    rollback with (no hier-config platform, no native rollback)."""
    PLATFORMS.register(
        PlatformProfile(
            name="acme_os",
            title="ACME OS",
            config_model="running",
            running_config="show running-config",
            startup_config="show startup-config",
            save="write memory",
            netmiko_device_type="cisco_ios",
            family="ios",
        ),
        "test",
    )
    yield "acme_os"
    PLATFORMS.unregister("acme_os")


def test_a_platform_without_a_profile_is_refused(world: World) -> None:
    spec = world.spec(SHOW, {"r1": {"platform": "hp_procurve"}})
    with pytest.raises(InputError, match="host r1: platform 'hp_procurve' is not supported"):
        plan_job(spec.playbook, spec.inventory, None, default_registry())
    with pytest.raises(InputError, match="not supported"):
        world.run(SHOW, {"r1": {"platform": "hp_procurve"}})
    assert world.network.device("r1").logins == 0


def test_profile_aliases_are_accepted(world: World) -> None:
    spec = world.spec(SHOW, {"r1": {"platform": "junos"}, "r2": {"platform": "iosxr"}})
    items, _ = plan_job(spec.playbook, spec.inventory, None, default_registry())
    assert items[0].hosts == ["r1", "r2"]


def test_rollback_on_a_platform_without_rollback_support(world: World, acme: str) -> None:
    spec = world.spec(
        """
        - hosts: all
          recovery: {on_failure: rollback}
          tasks:
            - config: {lines: ["ntp server 192.0.2.1"]}
        """,
        {"r1": {"platform": acme}},
    )
    with pytest.raises(InputError, match="has no rollback support"):
        plan_job(spec.playbook, spec.inventory, None, default_registry())


def test_batch_rollback_on_a_platform_without_rollback_support(world: World, acme: str) -> None:
    """A task that opts out of rolling itself back is still undone by a failed batch."""
    spec = world.spec(
        """
        - hosts: all
          serial: 1
          recovery: {on_failure: rollback, rollback_scope: batch}
          tasks:
            - config: {lines: ["ntp server 192.0.2.1"]}
              recovery: {on_failure: continue}
        """,
        {"r1": {"platform": acme}},
    )
    with pytest.raises(InputError, match="has no rollback support"):
        plan_job(spec.playbook, spec.inventory, None, default_registry())


def test_execute_refuses_before_recording_a_job(world: World) -> None:
    with pytest.raises(InputError):
        world.run(SHOW, {"r1": {"platform": "cisco_ios", "data": {"connection": "nope"}}})
    assert queries.list_jobs(world.store) == []
    assert world.network.device("r1").logins == 0


PLUGIN = '''
from netraven.platforms import PlatformProfile, register_profile

register_profile(
    PlatformProfile(
        name="acme_plugin_os",
        title="ACME OS",
        config_model="running",
        running_config="show acme-config",
        startup_config="show acme-startup",
        save="save acme",
        netmiko_device_type="cisco_ios",
        family="ios",
        aliases=("acme",),
    ),
    origin=__file__,
)


def connections():
    return []
'''


def test_a_plugin_registers_a_platform(world: World) -> None:
    folder = world.root / "plugins" / "connections"
    folder.mkdir(parents=True)
    (folder / "acme.py").write_text(PLUGIN)
    device = world.network.device("r1")
    device.outputs["show acme-config"] = "hostname r1\n! Last change: never"
    try:
        outcome = world.run(
            "- hosts: all\n  tasks:\n    - backup: {}\n", {"r1": {"platform": "acme"}}
        )
    finally:
        PLATFORMS.unregister("acme_plugin_os")
    assert outcome.exit_code == 0
    assert device.commands == ["show acme-config"]  # the profile's command, not IOS's
