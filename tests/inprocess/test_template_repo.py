"""Template repository versions rendered by real runs on fake devices, and recorded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from netraven.app import templates as repo
from netraven.app.jobs import show_job
from netraven.app.runs import prepare_run
from netraven.app.schedules import ScheduleRequest, add_schedule, remove_schedule
from netraven.app.template_folders import export_dir, import_dir
from netraven.app.template_preview import preview
from netraven.engine import Owner, execute
from netraven.errors import InputError
from netraven.store import queries
from netraven.store.templates import job_templates
from tests.inprocess.conftest import World

V1 = "ntp server {{ ntp_server }}\n"
V2 = "ntp server {{ ntp_server }}\nntp source Loopback0\n"


def project(world: World, playbook: str) -> tuple[Path, Path]:
    inventory = world.inventory(
        {
            "r1": {"platform": "cisco_ios", "data": {"ntp_server": "192.0.2.1", "tmpl": "ntp"}},
            "r2": {"platform": "cisco_ios", "data": {"ntp_server": "192.0.2.2", "tmpl": "vty"}},
        }
    )
    (inventory / "defaults.yaml").write_text(
        "username: u\npassword: pw-Secret-1\ndata:\n  snmp_community: Comm-s3cret-9\n"
    )
    path = world.root / "site.yml"
    path.write_text(playbook)
    return inventory, path


def run(world: World, inventory: Path, playbook: Path) -> int:
    prepared = prepare_run(playbook, inventory, owner=Owner("tester"), store=lambda: world.store)
    assert prepared.spec is not None
    outcome = asyncio.run(
        execute(prepared.spec, store=world.store, connections=world.network.registry())
    )
    return outcome.job_id


def seed(world: World) -> None:
    repo.create_template(world.store, "ntp", V1, author="alice", message="first")
    repo.new_version(world.store, "ntp", V2, author="bob", message="source interface")
    repo.create_template(world.store, "vty", "line vty 0 4\n", author="alice")


def test_latest_and_pinned_versions_render_and_the_job_records_them(world: World) -> None:
    seed(world)
    inventory, playbook = project(
        world,
        f"""\
- hosts: all
  tasks:
    - config: {{template: "repo:ntp"}}
    - template: {{src: "repo:ntp@1", dest: "{world.root}/{{{{ inventory_hostname }}}}.cfg"}}
""",
    )
    job_id = run(world, inventory, playbook)
    r1 = world.network.device("r1")
    assert r1.has("ntp server 192.0.2.1") and r1.has("ntp source Loopback0")
    assert (world.root / "r2.cfg").read_text() == "ntp server 192.0.2.2"  # version 1 only
    recorded = [(t.name, t.version, t.sha256) for t in job_templates(world.store, job_id)]
    versions = repo.list_versions(world.store, "ntp")
    assert recorded == [("ntp", 1, versions[0].sha256), ("ntp", 2, versions[1].sha256)]
    detail = show_job(world.store, job_id)
    assert [(t.name, t.version) for t in detail.templates] == [("ntp", 1), ("ntp", 2)]
    assert detail.job.status == "succeeded"


def test_a_missing_template_or_version_fails_before_any_device(world: World) -> None:
    seed(world)
    inventory, playbook = project(
        world,
        '- hosts: all\n  tasks:\n    - config: {template: "repo:nope"}\n'
        '    - config: {template: "repo:ntp@9"}\n',
    )
    with pytest.raises(InputError) as raised:
        prepare_run(playbook, inventory, owner=Owner("t"), store=lambda: world.store)
    text = str(raised.value)
    assert "repo:nope: the template repository has no template 'nope'" in text
    assert "repo:ntp@9: the template repository has no version 9 of template 'ntp'" in text
    assert queries.list_jobs(world.store) == [] and world.network.devices == {}


def test_a_templated_name_resolves_per_host_at_run_time(world: World) -> None:
    seed(world)
    inventory, playbook = project(
        world, '- hosts: all\n  tasks:\n    - config: {template: "repo:{{ tmpl }}"}\n'
    )
    job_id = run(world, inventory, playbook)
    assert world.network.device("r1").has("ntp source Loopback0")
    assert world.network.device("r2").has("line vty 0 4")
    assert [(t.name, t.version) for t in job_templates(world.store, job_id)] == [
        ("ntp", 2),
        ("vty", 1),
    ]


def test_include_inside_a_repository_template_is_recorded_too(world: World) -> None:
    repo.create_template(world.store, "base", '{% include "repo:vty" %}\n', author="a")
    repo.create_template(world.store, "vty", "line vty 0 4\n", author="a")
    inventory, playbook = project(
        world, '- hosts: r1\n  tasks:\n    - config: {template: "repo:base"}\n'
    )
    job_id = run(world, inventory, playbook)
    assert world.network.device("r1").has("line vty 0 4")
    assert [t.name for t in job_templates(world.store, job_id)] == ["base", "vty"]


def test_versions_diff_and_syntax_checks(world: World) -> None:
    seed(world)
    same, created = repo.new_version(world.store, "ntp", V2, author="carol")
    assert not created and same.version == 2
    diff = repo.diff_versions(world.store, "ntp")
    assert (diff.old, diff.new, diff.identical) == (1, 2, False)
    assert diff.diff.splitlines()[:2] == ["--- repo:ntp@1", "+++ repo:ntp@2"]
    assert "+ntp source Loopback0" in diff.diff
    with pytest.raises(InputError, match="repo:ntp:1: template syntax error"):
        repo.new_version(world.store, "ntp", "{% if x %}\n", author="carol")
    with pytest.raises(InputError, match="exists already"):
        repo.create_template(world.store, "ntp", V1, author="carol")
    shown = repo.show_version(world.store, "ntp", 1)
    assert (shown.body, shown.author, shown.message) == (V1, "alice", "first")


def test_import_is_idempotent_and_export_round_trips(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "ios").mkdir(parents=True)
    (folder / "ntp.j2").write_text(V1)
    (folder / "ios" / "vty.j2").write_text("line vty 0 4\n")
    (folder / "README.md").write_text("not a template")
    first = import_dir(world.store, folder, author="ci")
    assert sorted((d.name, d.version, d.created) for d in first) == [
        ("ios/vty", 1, True),
        ("ntp", 1, True),
    ]
    again = import_dir(world.store, folder, author="ci")
    assert [d.created for d in again] == [False, False]
    assert len(repo.list_versions(world.store, "ntp")) == 1
    (folder / "ntp.j2").write_text(V2)
    changed = import_dir(world.store, folder, author="ci")
    assert [(d.name, d.version, d.created) for d in changed if d.created] == [("ntp", 2, True)]
    out = tmp_path / "export"
    written = export_dir(world.store, out)
    assert {d.name for d in written if d.created} == {"ios/vty", "ntp"}
    assert (out / "ntp.j2").read_text() == V2 and (out / "ios" / "vty.j2").is_file()
    assert [d.created for d in export_dir(world.store, out)] == [False, False]
    (folder / "bad.j2").write_text("{{ broken\n")
    with pytest.raises(InputError, match="bad.j2:1: template syntax error"):
        import_dir(world.store, folder, author="ci")
    assert len(repo.list_versions(world.store, "ntp")) == 2  # nothing stored from that one


def test_delete_is_refused_while_a_schedule_uses_the_template(world: World) -> None:
    seed(world)
    inventory, playbook = project(
        world, '- hosts: all\n  tasks:\n    - config: {template: "repo:ntp@1"}\n'
    )
    add_schedule(
        world.store,
        ScheduleRequest(
            name="ntp-nightly",
            handler="playbook",
            inventory=str(inventory),
            playbook=str(playbook),
            timing="daily 02:00",
        ),
        created_by="t",
    )

    def delete(name: str) -> None:
        repo.delete_template(
            world.store, name, in_use=lambda n: repo.schedules_using(world.store, n)
        )

    with pytest.raises(InputError, match="used by schedule\\(s\\) ntp-nightly"):
        delete("ntp")
    delete("vty")  # not used: goes
    remove_schedule(world.store, "ntp-nightly")
    delete("ntp")
    assert repo.list_templates(world.store) == []


def test_preview_resolves_variables_as_a_run_and_masks_secrets(world: World) -> None:
    repo.create_template(
        world.store,
        "snmp",
        "snmp-server community {{ snmp_community }} RO\nntp server {{ ntp_server }}\n"
        "! {{ inventory_hostname }} {{ group_names | join(',') }} {{ extra }}\n",
        author="a",
    )
    inventory, _ = project(world, "- hosts: all\n  tasks: []\n")
    text = preview(world.store, "snmp", None, inventory, "r2", extra_vars={"extra": "x1"})
    assert "Comm-s3cret-9" not in text
    assert "ntp server 192.0.2.2" in text and "! r2  x1" in text
    assert text.splitlines()[0].startswith("snmp-server community ") and "*" in text
    with pytest.raises(InputError, match="host 'r9' is not in the inventory"):
        preview(world.store, "snmp", None, inventory, "r9")
