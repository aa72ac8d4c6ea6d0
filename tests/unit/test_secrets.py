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
