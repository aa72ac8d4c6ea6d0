"""The playbook language against fake devices: what Ansible users write means what it means.

Every test asserts the devices' resulting configuration and the recorded results (the
job's outcome as the store has it), not only the text printed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from netraven.domain import HostStatus, JobStatus, TaskStatus
from netraven.errors import InputError
from netraven.testing import FakeConnection
from tests.inprocess.conftest import World


def test_play_vars_are_templates_rendered_per_host(world: World) -> None:
    outcome = world.run(
        """
        - hosts: all
          vars:
            desc: "uplink-{{ inventory_hostname }}"
            port: "GigabitEthernet1/0/{{ uplink_port }}"
            uplink_port: 48
          tasks:
            - config:
                lines:
                  - "interface {{ port }}"
                  - " description {{ desc }}"
        """
    )
    assert outcome.exit_code == 0
    for name in ("r1", "r2", "r3", "r4"):
        device = world.network.device(name)
        assert device.config["interface GigabitEthernet1/0/48"] == [f"description uplink-{name}"]
        assert not any("{{" in line for line in device.config)


def test_a_variable_that_needs_itself_fails_the_task_naming_the_chain(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          vars:
            a: "{{ b }}-x"
            b: "{{ a }}"
          tasks:
            - command: "show {{ a }}"
        """
    )
    assert outcome.exit_code == 2
    (task,) = outcome.tasks
    assert task.status == TaskStatus.FAILED
    assert "refers to itself (a -> b -> a)" in (task.error or "")
    assert world.network.device("r1").commands == []


def test_whole_value_expression_keeps_its_type_and_extra_vars_win(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          vars:
            vlans: [10, 20]
            chosen: "{{ vlans }}"
            site: play
          tasks:
            - config:
                lines: ["vlan {{ item }}"]
              loop: "{{ chosen }}"
            - config:
                lines: ["snmp-server location {{ site }}"]
        """,
        extra_vars={"site": "cli"},
    )
    assert outcome.exit_code == 0
    device = world.network.device("r1")
    assert "vlan 10" in device.config and "vlan 20" in device.config
    assert "snmp-server location cli" in device.config


def test_loop_items_are_results_of_their_own_and_register_gives_results(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - config:
                lines: ["vlan {{ vlan.id }}", " name {{ vlan.name }}"]
              loop: [{id: 10, name: users}, {id: 20, name: voice}, {id: 30, name: skip}]
              loop_control: {loop_var: vlan, index_var: i, label: "{{ vlan.name }}"}
              when: vlan.id < 30
              register: pushed
            - assert:
                that:
                  - pushed.results | length == 3
                  - pushed.changed
                  - pushed.results[0].changed and pushed.results[0].vlan.id == 10
                  - pushed.results[2].skipped
        """
    )
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks]
    names = [t.name for t in outcome.tasks if t.task_index == 0]
    assert names == [
        "config (item=users)",
        "config (item=voice)",
        "config (item=skip)",
    ]
    statuses = [t.status for t in outcome.tasks if t.task_index == 0]
    assert statuses == [TaskStatus.CHANGED, TaskStatus.CHANGED, TaskStatus.SKIPPED]
    device = world.network.device("r1")
    assert device.config["vlan 10"] == ["name users"] and "vlan 30" not in device.config


def test_with_items_flattens_and_with_dict_gives_key_value(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          vars:
            servers: {primary: 192.0.2.1, backup: 192.0.2.2}
          tasks:
            - config: {lines: ["vlan {{ item }}"]}
              with_items: [[1, 2], 3]
            - config: {lines: ["ip name-server {{ item.value }}"]}
              with_dict: "{{ servers }}"
        """
    )
    assert outcome.exit_code == 0
    device = world.network.device("r1")
    assert {"vlan 1", "vlan 2", "vlan 3"} <= set(device.config)
    assert {"ip name-server 192.0.2.1", "ip name-server 192.0.2.2"} <= set(device.config)


def test_loop_over_a_non_list_fails_that_host_clearly(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: "show {{ item }}"
              loop: "{{ inventory_hostname }}"
        """
    )
    assert outcome.exit_code == 2
    assert "loop: expected a list, got str" in (outcome.tasks[0].error or "")


def test_changed_when_and_failed_when_see_the_registered_result(world: World) -> None:
    device = world.network.device("r1")
    device.outputs["show bgp summary"] = "neighbor 192.0.2.9 Idle"
    device.outputs["show clock"] = "12:00"
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show clock
              changed_when: true
            - command: show bgp summary
              register: bgp
              failed_when: "'Established' not in bgp.stdout"
        """
    )
    assert outcome.exit_code == 2
    first, second = outcome.tasks
    assert first.status == TaskStatus.CHANGED and first.changed
    assert second.status == TaskStatus.FAILED
    assert "failed_when condition met" in (second.error or "")


def test_failed_when_false_turns_a_rejected_command_into_ok(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show nonsense
              failed_when: false
        """
    )
    assert outcome.exit_code == 0
    assert outcome.tasks[0].status == TaskStatus.OK


class _Flapping:
    """A registry wrapper: ``show bgp`` says Idle twice, then Established."""

    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, conn: object) -> object:
        outer = self
        assert isinstance(conn, FakeConnection)
        original = conn.send_command

        async def send_command(command: str) -> str:
            if command == "show bgp":
                outer.calls += 1
                return "Established" if outer.calls >= 3 else "Idle"
            return await original(command)

        conn.send_command = send_command  # type: ignore[method-assign]
        return conn


def test_until_waits_for_a_state(world: World) -> None:
    flapping = _Flapping()
    spec = world.spec(
        """
        - hosts: r1
          tasks:
            - command: show bgp
              register: bgp
              until: "'Established' in bgp.stdout"
              retries: 5
              delay: 0
        """
    )
    from netraven.engine import execute

    outcome = asyncio.run(
        execute(spec, store=world.store, connections=world.network.registry(flapping.wrap))  # type: ignore[arg-type]
    )
    assert outcome.exit_code == 0
    assert outcome.tasks[0].attempts == 3 and flapping.calls == 3


def test_until_gives_up_after_retries(world: World) -> None:
    world.network.device("r1").outputs["show bgp"] = "Idle"
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show bgp
              register: bgp
              until: "'Established' in bgp.stdout"
              retries: 2
              delay: 0
        """
    )
    assert outcome.exit_code == 2
    task = outcome.tasks[0]
    assert task.attempts == 3 and "not met after 3 attempts" in (task.error or "")
    assert world.network.device("r1").commands.count("show bgp") == 3


def test_timeout_fails_the_task_drops_the_session_and_the_run_goes_on(world: World) -> None:
    slow = world.network.device("r1")
    slow.delay = 2.0
    for name in ("r1", "r2"):
        world.network.device(name).outputs["show version"] = "Version 17"
    outcome = world.run(
        """
        - hosts: r1,r2
          tasks:
            - command: show version
              timeout: 0.3
        """
    )
    assert outcome.exit_code == 2
    by_host = {t.host: t for t in outcome.tasks}
    assert by_host["r1"].status == TaskStatus.FAILED
    assert "timed out after 0.3s" in (by_host["r1"].error or "")
    assert by_host["r2"].status == TaskStatus.OK
    assert slow.open_sessions == 0


def test_block_rescue_always(world: World) -> None:
    world.network.device("r1").reject.add("bad line")
    outcome = world.run(
        """
        - hosts: r1,r2
          tasks:
            - name: change
              block:
                - config: {lines: ["bad line"]}
                - config: {lines: ["never on r1"]}
              rescue:
                - config: {lines: ["rescued {{ ansible_failed_task.name }}"]}
              always:
                - config: {lines: ["always ran"]}
            - config: {lines: ["after block"]}
        """
    )
    assert outcome.exit_code == 0, [(t.host, t.error) for t in outcome.tasks]
    r1, r2 = world.network.device("r1"), world.network.device("r2")
    assert "never on r1" not in r1.config and "rescued config" in r1.config
    assert "always ran" in r1.config and "after block" in r1.config
    assert "never on r1" in r2.config and "rescued config" not in r2.config
    failed = [t for t in outcome.tasks if t.failed]
    assert len(failed) == 1 and failed[0].rescued and failed[0].host == "r1"
    assert outcome.stats()["r1"].rescued == 1
    assert outcome.host_status()["r1"] == HostStatus.OK


def test_always_runs_on_failure_and_the_host_still_fails(world: World) -> None:
    world.network.device("r1").reject.add("bad line")
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - block:
                - block:
                    - config: {lines: ["bad line"]}
                  always:
                    - config: {lines: ["inner always"]}
              always:
                - config: {lines: ["outer always"]}
            - config: {lines: ["not reached"]}
        """
    )
    assert outcome.exit_code == 2
    device = world.network.device("r1")
    assert "inner always" in device.config and "outer always" in device.config
    assert "not reached" not in device.config
    assert outcome.host_status()["r1"] == HostStatus.FAILED


def test_handlers_run_once_at_the_end_only_when_notified(world: World) -> None:
    world.network.device("r2").config["ntp server 192.0.2.1"] = []
    outcome = world.run(
        """
        - hosts: r1,r2
          tasks:
            - config: {lines: ["ntp server 192.0.2.1"]}
              notify: save
            - config: {lines: ["logging host 192.0.2.5"]}
              notify: [save, audit]
          handlers:
            - name: save
              config: {lines: ["saved by handler"]}
            - name: log it
              listen: audit
              config: {lines: ["audited"]}
        """
    )
    assert outcome.exit_code == 0
    r1_tasks = [t.name for t in outcome.tasks if t.host == "r1"]
    assert r1_tasks == ["config", "config", "save", "log it"]
    assert "saved by handler" in world.network.device("r1").config
    # r2 had NTP already, but logging was new: handlers still run, once each.
    assert [t.name for t in outcome.tasks if t.host == "r2"] == r1_tasks


def test_handlers_do_not_run_when_nothing_changed_or_the_host_failed(world: World) -> None:
    for name in ("r1", "r2"):
        world.network.device(name).config["ntp server 192.0.2.1"] = []
    world.network.device("r2").reject.add("bad")
    outcome = world.run(
        """
        - hosts: r1,r2
          tasks:
            - config: {lines: ["ntp server 192.0.2.1"]}
              notify: save
            - config: {lines: ["bad"]}
              when: inventory_hostname == 'r2'
          handlers:
            - name: save
              config: {lines: ["saved"]}
        """
    )
    assert all("saved" not in world.network.device(n).config for n in ("r1", "r2"))
    assert outcome.exit_code == 2


def test_flush_handlers_runs_them_mid_play(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - config: {lines: ["a"]}
              notify: h
            - meta: flush_handlers
            - config: {lines: ["b"]}
          handlers:
            - name: h
              config: {lines: ["handled"]}
        """
    )
    assert [t.name for t in outcome.tasks] == ["config", "h", "config"]


def test_set_fact_debug_and_magic_variables(world: World) -> None:
    outcome = world.run(
        """
        - hosts: all
          tasks:
            - set_fact:
                site_name: "{{ group_names[0] | upper }}"
                peers: "{{ groups[group_names[0]] | reject('equalto', inventory_hostname) | list }}"
            - debug:
                msg: "{{ inventory_hostname }} in {{ site_name }} peers {{ peers | join(',') }}"
            - assert:
                that:
                  - hostvars['r1'].site_name == 'SITE_A'
                  - ansible_play_hosts | length == 4
                  - platform == 'cisco_ios'
            - config: {lines: ["snmp-server location {{ site_name }}"]}
        """
    )
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks if t.failed]
    debug = {t.host: t.output for t in outcome.tasks if t.action == "debug"}
    assert debug["r1"] == "r1 in SITE_A peers r2"
    assert "snmp-server location SITE_B" in world.network.device("r4").config


def test_set_fact_values_are_data_not_templates_again(world: World) -> None:
    world.network.device("r1").outputs["show banner"] = "{{ not_a_var }}"
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show banner
              register: banner
            - set_fact: {text: "{{ banner.stdout }}"}
            - debug: {msg: "{{ text }}"}
        """
    )
    assert outcome.exit_code == 0
    assert outcome.tasks[-1].output == "{{ not_a_var }}"


def test_run_once_runs_on_one_host_and_shares_the_result(world: World) -> None:
    for name in ("r1", "r2", "r3", "r4"):
        world.network.device(name).outputs["show clock"] = f"clock of {name}"
    outcome = world.run(
        """
        - hosts: all
          tasks:
            - command: show clock
              run_once: true
              register: clock
            - config: {lines: ["banner {{ clock.stdout }}"]}
        """
    )
    assert outcome.exit_code == 0
    ran = [n for n in ("r1", "r2", "r3", "r4") if "show clock" in world.network.device(n).commands]
    assert len(ran) == 1
    for name in ("r1", "r2", "r3", "r4"):
        assert f"banner clock of {ran[0]}" in world.network.device(name).config


def test_import_and_include_tasks_and_roles(world: World) -> None:
    root = world.root
    (root / "tasks").mkdir()
    (root / "tasks" / "ntp.yml").write_text("- config: {lines: ['ntp server {{ ntp_server }}']}\n")
    (root / "tasks" / "vlan.yml").write_text("- config: {lines: ['vlan {{ item }}']}\n")
    role = root / "roles" / "baseline"
    for sub in ("tasks", "handlers", "defaults", "vars", "templates"):
        (role / sub).mkdir(parents=True)
    (role / "defaults" / "main.yml").write_text("banner_text: default banner\nlocation: dc1\n")
    (role / "vars" / "main.yml").write_text("location: role-vars-win\n")
    (role / "templates" / "base.j2").write_text("snmp-server location {{ location }}\n")
    (role / "tasks" / "main.yml").write_text(
        "- config: {template: base.j2}\n"
        "  notify: role handler\n"
        "- config: {lines: ['banner {{ banner_text }}']}\n"
    )
    (role / "handlers" / "main.yml").write_text(
        "- name: role handler\n  config: {lines: ['role handler ran']}\n"
    )
    outcome = world.run(
        """
        - hosts: r1
          vars: {ntp_server: 192.0.2.7, location: play-loses}
          roles:
            - role: baseline
              banner_text: from params
          tasks:
            - import_tasks: tasks/ntp.yml
            - include_tasks: tasks/vlan.yml
              loop: [100, 200]
        """
    )
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks if t.failed]
    config = world.network.device("r1").config
    assert "snmp-server location role-vars-win" in config
    assert "banner from params" in config
    assert "ntp server 192.0.2.7" in config
    assert "vlan 100" in config and "vlan 200" in config
    assert "role handler ran" in config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- hosts: all\n  tasks:\n    - command: x\n      notify: nope\n",
            "no handler named 'nope'",
        ),
        ("- hosts: all\n  roles: [missing]\n", "role 'missing' not found"),
        ("- hosts: all\n  tasks:\n    - command: x\n      loop: 5\n", "loop"),
        ("- hosts: all\n  tasks:\n    - command: x\n      loop: abc\n", "is not a list"),
        (
            "- hosts: all\n  vars: {n: 3}\n  tasks:\n    - command: x\n      loop: '{{ n }}'\n",
            "'n' is a int, not a list",
        ),
        ("- hosts: all\n  tasks:\n    - import_tasks: nope.yml\n", "file not found: nope.yml"),
        ("- hosts: all\n  gather_facts: true\n", "does not gather facts"),
        ("- hosts: all\n  tasks:\n    - command: x\n      delegate_to: r2\n", "localhost"),
    ],
)
def test_bad_language_input_is_an_error_with_file_and_line(
    world: World, text: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        world.spec(text)
    assert "play.yml:" in str(caught.value)


def test_linear_strategy_keeps_hosts_in_step(world: World) -> None:
    world.network.device("r1").delay = 0.2
    order: list[tuple[str, str]] = []

    def wrap(conn: object) -> object:
        assert isinstance(conn, FakeConnection)
        original = conn.send_config

        async def send_config(lines: list[str]) -> str:
            result = await original(lines)
            order.append((conn.params.name, lines[0]))
            return result

        conn.send_config = send_config  # type: ignore[method-assign]
        return conn

    from netraven.engine import execute

    for strategy, expect_lockstep in (("linear", True), ("free", False)):
        order.clear()
        for name in ("r1", "r2"):
            world.network.device(name).config.clear()
        spec = world.spec(
            f"""
            - hosts: r1,r2
              strategy: {strategy}
              tasks:
                - config: {{lines: ["step one"]}}
                - config: {{lines: ["step two"]}}
            """
        )
        outcome = asyncio.run(
            execute(spec, store=world.store, connections=world.network.registry(wrap))  # type: ignore[arg-type]
        )
        assert outcome.exit_code == 0
        first_two = {line for _, line in order[:2]}
        assert (first_two == {"step one"}) is expect_lockstep, (strategy, order)


def test_end_play_and_job_status(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - meta: end_play
            - config: {lines: ["never"]}
        """
    )
    assert outcome.status == JobStatus.SUCCEEDED
    assert "never" not in world.network.device("r1").config


def test_group_and_host_vars_folders(world: World, tmp_path: Path) -> None:
    from netraven.vardirs import apply_var_dirs

    spec_text = """
        - hosts: all
          tasks:
            - config: {lines: ["snmp-server contact {{ contact }}", "ntp server {{ ntp }}"]}
        """
    inventory_dir = world.root / "inventory"
    inventory_dir.mkdir()
    (inventory_dir / "group_vars").mkdir()
    (inventory_dir / "group_vars" / "all.yml").write_text("ntp: 192.0.2.1\ncontact: all\n")
    (inventory_dir / "group_vars" / "site_b").mkdir()
    (inventory_dir / "group_vars" / "site_b" / "a.yml").write_text("contact: site-b\n")
    (world.root / "host_vars").mkdir()  # beside the playbook: wins over the inventory's
    (world.root / "host_vars" / "r4.yaml").write_text("contact: r4-own\n")
    spec = world.spec(spec_text)  # load_inventory reads the inventory's own folders
    apply_var_dirs(spec.inventory, [world.root], None)
    from netraven.engine import execute

    outcome = asyncio.run(execute(spec, store=world.store, connections=world.network.registry()))
    assert outcome.exit_code == 0
    contacts = {
        n: next(k for k in world.network.device(n).config if k.startswith("snmp-server contact"))
        for n in ("r1", "r3", "r4")
    }
    assert contacts == {
        "r1": "snmp-server contact all",
        "r3": "snmp-server contact site-b",
        "r4": "snmp-server contact r4-own",
    }


def test_a_handler_notified_by_a_selected_task_runs_whatever_its_tags(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - config: {lines: ["ntp server 192.0.2.1"]}
              tags: [ntp]
              notify: save
            - config: {lines: ["not selected"]}
          handlers:
            - name: save
              config: {lines: ["saved"]}
        """,
        tags=frozenset({"ntp"}),
    )
    assert outcome.exit_code == 0
    config = world.network.device("r1").config
    assert "saved" in config and "not selected" not in config


def test_ignore_unreachable_records_it_and_the_host_carries_on(world: World) -> None:
    from netraven.errors import ConnectionFailed

    device = world.network.device("r1")
    device.fail_open.append(ConnectionFailed("connection refused"))
    device.outputs["show clock"] = "12:00"
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show clock
              ignore_unreachable: true
            - config: {lines: ["logging host 192.0.2.5"]}
        """
    )
    assert outcome.exit_code == 0
    first, second = outcome.tasks
    assert first.status == TaskStatus.UNREACHABLE and first.ignored
    assert second.status == TaskStatus.CHANGED
    assert "logging host 192.0.2.5" in device.config


def test_import_playbook_and_vars_files(world: World) -> None:
    (world.root / "common").mkdir()
    (world.root / "common" / "ntp.yml").write_text(
        "- hosts: r1\n  vars_files: [ntp_vars.yml]\n  tasks:\n"
        "    - config: {lines: ['ntp server {{ ntp }}']}\n"
    )
    (world.root / "common" / "ntp_vars.yml").write_text("ntp: '{{ base }}.7'\n")
    outcome = world.run(
        """
        - import_playbook: common/ntp.yml
          vars: {base: 192.0.2}
        - hosts: r2
          tasks:
            - config: {lines: ["logging host 192.0.2.5"]}
        """
    )
    assert outcome.exit_code == 0
    assert "ntp server 192.0.2.7" in world.network.device("r1").config
    assert "logging host 192.0.2.5" in world.network.device("r2").config
    assert [h.play for h in outcome.hosts] == ["r1", "r2"]


def test_an_import_cycle_and_a_bad_vars_file_are_input_errors(world: World) -> None:
    (world.root / "loop.yml").write_text("- import_playbook: play.yml\n")
    with pytest.raises(InputError, match="imports itself"):
        world.spec("- import_playbook: loop.yml\n")
    with pytest.raises(InputError, match=r"play.yml:2: .*vars_files\[0\]: file not found"):
        world.spec("- hosts: all\n  vars_files: [missing.yml]\n")


def test_no_log_hides_output_diff_and_error_but_register_still_works(world: World) -> None:
    device = world.network.device("r1")
    device.outputs["show secret"] = "key 7 0822455D0A16"
    device.reject.add("bad line key-9x")
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - command: show secret
              register: s
              no_log: true
            - assert: {that: ["'0822455D0A16' in s.stdout"]}
            - block:
                - config: {lines: ["bad line key-9x"]}
              no_log: true
              ignore_errors: true
        """
    )
    assert outcome.exit_code == 0
    shown = [t for t in outcome.tasks if t.action in ("command", "config")]
    for task in shown:
        text = f"{task.output} {task.diff} {task.error}"
        assert "0822455D0A16" not in text and "key-9x" not in text
        assert "no_log" in (task.output or "")
    assert outcome.tasks[1].status == TaskStatus.OK  # the registered value was intact
    from netraven.app.jobs import job_logs, show_job

    recorded = show_job(world.store, outcome.job_id).model_dump_json()
    logs = " ".join(entry.message for entry in job_logs(world.store, outcome.job_id))
    assert "key-9x" not in recorded and "0822455D0A16" not in recorded
    assert "failed" in logs and "key-9x" not in logs and "0822455D0A16" not in logs


def test_end_play_ends_later_serial_batches_too(world: World) -> None:
    outcome = world.run(
        """
        - hosts: all
          serial: 1
          tasks:
            - config: {lines: ["first batch only"]}
            - meta: end_play
        """
    )
    assert outcome.status == JobStatus.SUCCEEDED
    touched = [n for n in ("r1", "r2", "r3", "r4") if world.network.device(n).config]
    assert touched == ["r1"]
    assert {h.host: h.status for h in outcome.hosts if h.host != "r1"} == {
        "r2": HostStatus.SKIPPED,
        "r3": HostStatus.SKIPPED,
        "r4": HostStatus.SKIPPED,
    }


def test_include_tasks_with_a_templated_name_loads_per_host(world: World) -> None:
    (world.root / "tasks").mkdir()
    (world.root / "tasks" / "site_a.yml").write_text("- config: {lines: ['banner a']}\n")
    (world.root / "tasks" / "site_b.yml").write_text("- config: {lines: ['banner b']}\n")
    outcome = world.run(
        """
        - hosts: r1,r3
          tasks:
            - include_tasks: "tasks/{{ group_names[0] }}.yml"
        """
    )
    assert outcome.exit_code == 0, [t.error for t in outcome.tasks]
    assert "banner a" in world.network.device("r1").config
    assert "banner b" in world.network.device("r3").config
    assert "banner a" not in world.network.device("r3").config


def test_a_templated_include_that_is_missing_fails_that_host(world: World) -> None:
    outcome = world.run(
        """
        - hosts: r1
          tasks:
            - include_tasks: "tasks/{{ inventory_hostname }}.yml"
            - config: {lines: ["not reached"]}
        """
    )
    assert outcome.exit_code == 2
    (task,) = outcome.tasks
    assert task.failed and "file not found: tasks/r1.yml" in (task.error or "")
    assert "not reached" not in world.network.device("r1").config
