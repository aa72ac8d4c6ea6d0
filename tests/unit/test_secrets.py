from __future__ import annotations

import pytest

from netraven.secrets import MASK, Redactor, secret_values


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("enable secret 5 $1$abc$xyz", "enable secret 5 " + MASK),
        ("enable password cisco123", "enable password " + MASK),
        (
            "username admin privilege 15 secret 5 $1$h$x",
            "username admin privilege 15 secret 5 " + MASK,
        ),
        ("username bob password 0 hunter2", "username bob password 0 " + MASK),
        ("snmp-server community public RO", f"snmp-server community {MASK} RO"),
        ("tacacs-server key 7 0822455D0A16", "tacacs-server key 7 " + MASK),
        (" key-string 7 121A0C041104", " key-string 7 " + MASK),
        (" ip ospf authentication-key 7 1234", " ip ospf authentication-key 7 " + MASK),
        (" neighbor 10.0.0.1 password 7 0215", " neighbor 10.0.0.1 password 7 " + MASK),
        (" password 7 0822455D0A16", " password 7 " + MASK),
        # Arista EOS
        (
            "username admin role network-admin secret sha512 $6$abc",
            "username admin role network-admin secret " + MASK,
        ),
        # Junos
        ('    encrypted-password "$6$abc$def";', "    encrypted-password " + MASK),
        (
            'set system root-authentication encrypted-password "$6$x"',
            "set system root-authentication encrypted-password " + MASK,
        ),
    ],
)
def test_secret_config_lines(  # the encryption type digit is kept: it is not secret
    line: str, expected: str
) -> None:
    assert Redactor().text(line) == expected


def test_harmless_lines_untouched() -> None:
    text = "interface Gi1/0/1\n description uplink\nntp server 192.0.2.1\nhostname sw1"
    assert Redactor().text(text) == text


def test_known_values_hidden_anywhere() -> None:
    redactor = Redactor(["s3cr3t-value", "ab"])  # too-short values are ignored
    assert redactor.text("login with s3cr3t-value ok ab") == f"login with {MASK} ok ab"


def test_obj_masks_secret_keys_and_values() -> None:
    redactor = Redactor(["tok-123"])
    data = {
        "api_token": "tok-123",
        "note": "uses tok-123",
        "nested": {"password": "x1"},
        "list": ["tok-123"],
    }
    assert redactor.obj(data) == {
        "api_token": MASK,
        "note": f"uses {MASK}",
        "nested": {"password": MASK},
        "list": [MASK],
    }
    assert secret_values({"password": "a", "deep": {"snmp_community": "b"}, "x": "c"}) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Unified diff lines (config --diff, rollback diffs).
        ("+username ops secret 0 hunter2", "+username ops secret 0 " + MASK),
        ("- enable secret 5 $1$x", "- enable secret 5 " + MASK),
        ("+ key-string 7 1234", "+ key-string 7 " + MASK),
        # A refused or rejected command quoted in an error or a retry warning.
        (
            "'username x secret 0 hunter2' was rejected by the device",
            "'username x secret 0 " + MASK,
        ),
        (
            "task 'x' attempt 1 failed: 'snmp-server community pub RO': reset",
            "task 'x' attempt 1 failed: 'snmp-server community " + MASK + " RO': reset",
        ),
        # An unnamed task's title.
        ("command: username x secret hunter2", "command: username x secret " + MASK),
        # Patterns beyond the original set.
        (
            "snmp-server user u grp v3 auth sha P1 priv aes 128 P2",
            "snmp-server user u grp v3 auth " + MASK,
        ),
        ("ntp authentication-key 1 md5 abc 7", "ntp authentication-key 1 md5 " + MASK),
        ("crypto isakmp key 0 abc address 192.0.2.1", "crypto isakmp key 0 " + MASK),
        ("set snmp community public authorization read-only", "set snmp community " + MASK),
        (
            "set security ike policy p pre-shared-key ascii-text abc",
            "set security ike policy p pre-shared-key " + MASK,
        ),
    ],
)
def test_secret_lines_not_at_line_start(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A BGP community is routing policy, not a secret.
        "route-map OUT permit 10\n set community 65000:100 additive",
        "policy-options {\n    community CUST members 65000:1;\n}",
        # The trigger word alone, without a value, is nothing to hide.
        "show running-config | include username|secret",
        "sw1#show key chain",
    ],
)
def test_lookalikes_untouched(text: str) -> None:
    assert Redactor().text(text) == text


def test_only_secret_lines_change_in_a_long_config() -> None:
    lines = [f"interface Gi1/0/{i}\n description key port {i}" for i in range(200)]
    text = "\n".join(
        [*lines[:100], "enable secret 5 $1$x", *lines[100:], "snmp-server community c RO"]
    )
    redacted = Redactor().text(text)
    assert redacted is not None
    assert redacted.splitlines() == [
        *"\n".join(lines[:100]).splitlines(),
        "enable secret 5 " + MASK,
        *"\n".join(lines[100:]).splitlines(),
        f"snmp-server community {MASK} RO",
    ]


def test_case_and_letters_that_change_length_in_lower_case() -> None:
    # "İ".lower() is two characters: offsets into the lowered text would be off.
    text = "description İİİİ\nENABLE SECRET 5 xyz\ndescription İ"
    assert Redactor().text(text) == f"description İİİİ\nENABLE SECRET 5 {MASK}\ndescription İ"


def test_secret_values_in_lists_of_mappings() -> None:
    extra = {
        "users": [{"name": "alice", "password": "pw-alice"}, {"name": "bob", "secret": "pw-bob"}],
        "snmp_communities": ["ro-comm", {"name": "rw-comm"}],
        "pin_password": 123456,
        "enabled": True,
        "password_required": False,
        "description": "not-a-secret",
    }
    assert secret_values(extra) == ["pw-alice", "pw-bob", "ro-comm", "rw-comm", "123456"]
    redactor = Redactor(secret_values(extra))
    assert redactor.text("show run | include pw-alice|rw-comm|123456") == (
        f"show run | include {MASK}|{MASK}|{MASK}"
    )


def test_host_params_repr_masks_secret_extras() -> None:
    from netraven.connections.base import HostParams

    params = HostParams(
        "sw1",
        "192.0.2.1",
        22,
        "admin",
        "login-pw",
        "enable-pw",
        "cisco_ios",
        extras={
            "auth_private_key_passphrase": "key-pass",
            "transport_options": {"api_token": "tok"},
            "auth_strict_key": False,
        },
    )
    for shown in (repr(params), str(params), f"{params}"):
        assert "sw1" in shown and "auth_strict_key" in shown and "transport_options" in shown
        for secret in ("login-pw", "enable-pw", "key-pass", "tok'"):
            assert secret not in shown, shown
        assert f"'auth_private_key_passphrase': '{MASK}'" in shown


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"users": [{"password": "S3cr3t-x"}]', "-e: invalid YAML/JSON at line 1, column 37: "),
        ("S3cr3t-x", "-e: expected key=value in item 1 (not shown"),
        ("a=1 S3cr3t-x", "-e: expected key=value in item 2 (not shown"),
        ("pw='S3cr3t-x", "-e: unbalanced quotes"),
    ],
)
def test_bad_extra_vars_are_not_echoed(value: str, message: str) -> None:
    from netraven.cli.extra_vars import parse_extra_vars
    from netraven.errors import InputError

    with pytest.raises(InputError) as caught:
        parse_extra_vars([value])
    assert str(caught.value).startswith(message)
    assert "S3cr3t" not in str(caught.value)
