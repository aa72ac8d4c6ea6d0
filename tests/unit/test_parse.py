"""``parse:``: the spec's spellings, each parser on real-shaped text, and every failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from netraven.engine.parse import check_template, parse_output
from netraven.errors import InputError, TaskFailed
from netraven.lab.device import Block, Device, Session, seed_config
from netraven.playbook.parse_schema import ParseSpec

INTERFACES_TEXTFSM = """\
Value INTERFACE (\\S+)
Value IP (\\S+)
Value List FLAGS (\\w+)

Start
  ^interface ${INTERFACE}
  ^ ip address ${IP} \\S+
  ^ flag ${FLAGS}
  ^! -> Record
"""
CONFIG = """\
interface Gi1
 ip address 10.0.0.1 255.255.255.0
 flag a
 flag b
!
interface Gi2
!
"""


def spec(value: object) -> ParseSpec:
    return ParseSpec.model_validate(value)


def lab_cli() -> Session:
    device = Device(
        name="sw-lab-4",
        enable_secret="en",
        serial="FOC02004X4",
        running=seed_config("sw-lab-4", "$1$h", "public"),
    )
    device.startup = [Block(b.line, list(b.children)) for b in device.running]
    cli = Session(device)
    cli.privileged = True
    return cli


def parse(value: object, text: str, base: Path = Path("."), command: str = "x") -> object:
    return parse_output(spec(value), text, platform="cisco_ios", command=command, search=(base,))


# --- the spec ---------------------------------------------------------------------------


def test_short_form_and_ansible_spellings_mean_the_same() -> None:
    assert spec("ntc_templates").kind == "ntc_templates"
    ansible = spec(
        {"name": "ansible.netcommon.ntc_templates", "os": "cisco_xe", "command": "show ver"}
    )
    ours = spec({"parser": "ntc_templates", "platform": "cisco_xe", "command": "show ver"})
    assert (ansible.kind, ansible.os_name, ansible.command) == (
        "ntc_templates",
        "cisco_xe",
        "show ver",
    )
    assert (ours.kind, ours.os_name, ours.command) == (
        ansible.kind,
        ansible.os_name,
        ansible.command,
    )
    textfsm = spec({"name": "ansible.utils.textfsm", "template_path": "t.textfsm"})
    assert (textfsm.kind, textfsm.template_file) == ("textfsm", "t.textfsm")
    assert spec({"name": "ansible.utils.ttp", "template_path": "t.ttp"}).kind == "ttp"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nonsense", "unknown parser 'nonsense'"),
        ({"parser": "ansible.netcommon.native"}, "not provided by NetRaven"),
        ({"parser": "ansible.netcommon.pyats"}, "not provided by NetRaven"),
        ("textfsm", "textfsm needs a template file"),
        ({"parser": "ttp"}, "ttp needs a template file"),
        ({"parser": "ntc_templates", "template": "x.textfsm"}, "for a template file use textfsm"),
        ({"parser": "textfsm", "template": "t", "platform": "cisco_ios"}, "only its template"),
        ({"parser": "ttp", "template": "t", "command": "show x"}, "only its template"),
        ({"parser": "textfsm", "name": "textfsm", "template": "t"}, "'parser' or its Ansible"),
        ({"parser": "textfsm", "template": "t", "template_path": "t"}, "not both"),
        ({"parser": "ntc_templates", "os": "a", "platform": "b"}, "not both"),
        ({"template": "t"}, "name the parser"),
        ({"parser": "ntc_templates", "vars": {}}, "Extra inputs are not permitted"),
        ({"parser": "ntc_templates", "command": " "}, "must not be empty"),
    ],
)
def test_spec_mistakes_are_refused(value: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(value)
    assert message in str(caught.value)


# --- textfsm ---------------------------------------------------------------------------


def test_textfsm_template_file_relative_to_the_playbook(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "ifaces.textfsm").write_text(INTERFACES_TEXTFSM)
    value = {"parser": "textfsm", "template": "templates/ifaces.textfsm"}
    check_template(spec(value), (tmp_path,))
    assert parse(value, CONFIG, tmp_path) == [
        {"INTERFACE": "Gi1", "IP": "10.0.0.1", "FLAGS": ["a", "b"]},  # keys as the template's
        {"INTERFACE": "Gi2", "IP": "", "FLAGS": []},
    ]


def test_textfsm_error_state_and_broken_template_fail(tmp_path: Path) -> None:
    (tmp_path / "strict.textfsm").write_text(
        "Value X (\\d+)\n\nStart\n  ^${X} -> Record\n  ^. -> Error\n"
    )
    with pytest.raises(TaskFailed, match=r"strict\.textfsm: State Error raised"):
        parse({"parser": "textfsm", "template": "strict.textfsm"}, "12\nnot a number\n", tmp_path)
    (tmp_path / "broken.textfsm").write_text("Value X (\\d+\n\nStart\n")
    broken = spec({"parser": "textfsm", "template": "broken.textfsm"})
    with pytest.raises(InputError, match="must be contained within"):
        check_template(broken, (tmp_path,))
    with pytest.raises(TaskFailed, match="must be contained within"):
        parse({"parser": "textfsm", "template": "broken.textfsm"}, "1\n", tmp_path)


def test_missing_template_file(tmp_path: Path) -> None:
    value = {"parser": "ttp", "template": "gone.ttp"}
    with pytest.raises(InputError, match="template file not found: .*gone.ttp"):
        check_template(spec(value), (tmp_path,))
    with pytest.raises(TaskFailed, match="cannot read template file"):
        parse(value, "x", tmp_path)  # deleted between load and run


# --- ntc-templates against the lab's own output ----------------------------------------


def test_ntc_templates_show_version_of_the_lab() -> None:
    text = lab_cli().handle("show version")
    [row] = parse("ntc_templates", text, command="show version")
    assert isinstance(row, dict)
    assert row["hostname"] == "sw-lab-4"
    assert row["version"] == "15.2(7)E4"
    assert row["software_image"] == "C2960X-UNIVERSALK9-M"
    assert row["uptime"] == "4 weeks, 2 days, 3 hours, 7 minutes"
    assert (row["uptime_weeks"], row["uptime_days"], row["uptime_minutes"]) == ("4", "2", "7")
    assert row["hardware"] == ["WS-C2960X-48FPD-L"]
    assert row["serial"] == ["FOC02004X4"]
    assert row["running_image"] == "c2960x-universalk9-mz.152-7.E4.bin"
    assert row["config_register"] == "0xF"
    assert len(row["mac_address"]) == 1 and row["mac_address"][0].startswith("00:1e:7a:")


def test_ntc_templates_ip_interface_brief_follows_the_config() -> None:
    cli = lab_cli()
    for line in (
        "configure terminal",
        "interface GigabitEthernet1/0/3",
        "shutdown",
        "interface Loopback0",
        "ip address 192.0.2.1 255.255.255.255",
        "interface TenGigabitEthernet1/1/1",  # longer than its column
        "end",
    ):
        cli.handle(line)
    rows = parse("ntc_templates", cli.handle("sh ip int br"), command="sh ip int br")
    assert isinstance(rows, list)
    by_name = {r["interface"]: r for r in rows}
    assert list(by_name) == [
        *(f"GigabitEthernet1/0/{n}" for n in range(1, 9)),
        "Vlan1",
        "Loopback0",
        "TenGigabitEthernet1/1/1",
    ]
    assert by_name["GigabitEthernet1/0/3"]["status"] == "administratively down"
    assert by_name["GigabitEthernet1/0/3"]["proto"] == "down"
    assert by_name["Vlan1"] == {
        "interface": "Vlan1",
        "ip_address": "10.0.0.1",
        "status": "up",
        "proto": "up",
    }
    assert by_name["Loopback0"]["ip_address"] == "192.0.2.1"
    assert by_name["TenGigabitEthernet1/1/1"]["ip_address"] == "unassigned"
    brief = cli.handle("show ip interface brief").splitlines()
    assert "YES NVRAM  up" in next(r for r in brief if r.startswith("Vlan1 "))
    assert "YES manual up" in next(r for r in brief if r.startswith("Loopback0 "))


def test_ntc_templates_without_a_template_fails() -> None:
    running = lab_cli().handle("show running-config")
    with pytest.raises(TaskFailed, match="no template for 'show running-config' on cisco_ios$"):
        parse("ntc_templates", running, command="show running-config")
    explicit = {"parser": "ntc_templates", "platform": "no_such_os", "command": "show version"}
    with pytest.raises(TaskFailed, match="on no_such_os"):
        parse(explicit, "text")


def test_ntc_templates_error_state_fails() -> None:
    # "show standby" is indexed; its template has an Error rule for lines it does not know.
    with pytest.raises(TaskFailed, match="could not parse 'show standby' on cisco_ios: State"):
        parse("ntc_templates", "this is not standby output", command="show standby")


def test_ntc_templates_cisco_xe_falls_back_to_cisco_ios_as_netmiko_does() -> None:
    text = lab_cli().handle("show ip interface brief")
    rows = parse_output(
        spec("ntc_templates"),
        text,
        platform="cisco_xe",
        command="show ip interface brief",
        search=(Path("."),),
    )
    assert len(rows) == 9 and rows[-1]["interface"] == "Vlan1"


# --- ttp -------------------------------------------------------------------------------


def test_ttp_matches_become_a_flat_list_of_dicts(tmp_path: Path) -> None:
    (tmp_path / "plain.ttp").write_text(
        "interface {{ interface }}\n ip address {{ ip }} {{ mask }}\n"
    )
    assert parse({"parser": "ttp", "template": "plain.ttp"}, CONFIG, tmp_path) == [
        {"interface": "Gi1", "ip": "10.0.0.1", "mask": "255.255.255.0"},
        {"interface": "Gi2"},
    ]
    (tmp_path / "group.ttp").write_text(
        '<group name="interfaces">\ninterface {{ interface }}\n</group>\n'
    )
    assert parse({"parser": "ttp", "template": "group.ttp"}, CONFIG, tmp_path) == [
        {"interfaces": [{"interface": "Gi1"}, {"interface": "Gi2"}]}
    ]
    assert parse({"parser": "ttp", "template": "plain.ttp"}, "nothing here", tmp_path) == []


def test_ttp_template_error_fails(tmp_path: Path) -> None:
    (tmp_path / "bad.ttp").write_text("<group>\ninterface {{ x }}\n")  # unclosed group
    with pytest.raises(TaskFailed, match=r"ttp template .*bad\.ttp: ParseError"):
        parse({"parser": "ttp", "template": "bad.ttp"}, CONFIG, tmp_path)


# --- start-up cost ---------------------------------------------------------------------


def test_loading_a_parse_playbook_imports_no_parser_library(tmp_path: Path) -> None:
    book = tmp_path / "p.yml"
    book.write_text(
        "- hosts: all\n  tasks:\n    - command: show version\n      parse: ntc_templates\n"
        "      register: v\n"
    )
    code = (
        "import sys; import netraven.cli.app; import netraven.engine.actions; "
        "from netraven.playbook.loader import load_playbook; "
        f"load_playbook({str(book)!r}); "
        "print(','.join(m for m in ('textfsm', 'ttp', 'ntc_templates') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --- load-time checks with file and line ------------------------------------------------


def test_loader_reports_parse_mistakes_with_file_and_line(tmp_path: Path) -> None:
    from netraven.errors import InputErrors
    from netraven.playbook.loader import load_playbook

    (tmp_path / "ok.ttp").write_text("interface {{ interface }}\n")
    book = tmp_path / "play.yml"
    book.write_text(
        "- hosts: all\n  tasks:\n"
        "    - command: [show version, show clock]\n      parse: ntc_templates\n"  # 3-4
        "    - command: show version\n      parse:\n"  # 5-6
        "    - command: show version\n"  # 7
        "      parse:\n        name: ansible.utils.ttp\n        template_path: gone.ttp\n"
        "    - command: show version\n"  # 11
        "      parse: {parser: ntc_templates, command: 'show {{ x'}\n"
        "    - backup:\n      parse: {parser: ttp, template: ok.ttp}\n"  # 13-14
        "    - command: show version\n      parse: {parser: ttp, template: ok.ttp}\n"  # fine
    )
    with pytest.raises(InputErrors) as caught:
        load_playbook(book)
    assert str(caught.value).splitlines() == [
        f"{book}:4: play[0].tasks[0].parse: parses the output of exactly one command; "
        "give each command its own task",
        f"{book}:6: play[0].tasks[1].parse: name a parser (textfsm, ntc_templates or ttp)",
        f"{book}:10: play[0].tasks[2].parse.template_path: template file not found: "
        f"{tmp_path / 'gone.ttp'}",
        f"{book}:12: play[0].tasks[3].parse.command: template syntax error: unexpected end "
        "of template, expected 'end of print statement'.",
        f"{book}:14: play[0].tasks[4].parse: only a command task can parse",
    ]
