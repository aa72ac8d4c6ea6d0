"""Ansible Vault: the exact envelope, round trips, errors naming file:line, YAML hooks.

The known-answer test rebuilds a vault string step by step from the documented format
(stdlib PBKDF2 and HMAC, AES-CTR written out as ECB over counter blocks) so it checks
the layout byte for byte, not only that ``decrypt(encrypt(x)) == x``.  The
``ansible-core`` tests check both directions against the reference implementation.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.parsing.vault import VaultLib
from ansible.parsing.vault import VaultSecret as AnsibleSecret
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from netraven.errors import InputError
from netraven.vault import (
    VaultedStr,
    VaultSecret,
    decrypt,
    encrypt,
    is_vaulted,
    load_vault_password,
    parse_envelope,
    resolve_vaulted,
)
from netraven.yamlfile import LineDict, load_yaml

PASSWORD = b"correct horse battery staple"
SALT = bytes(range(32))
PLAINTEXT = "enable secret s3cr3t-Ünïcode\nsecond line"


def _expected_vault(plaintext: str, password: bytes, salt: bytes, header: str) -> str:
    """The documented algorithm, each step spelt out without netraven.vault."""
    derived = hashlib.pbkdf2_hmac("sha256", password, salt, 10000, dklen=80)
    cipher_key, mac_key, iv = derived[:32], derived[32:64], derived[64:80]
    data = plaintext.encode("utf-8")
    pad = 16 - len(data) % 16  # PKCS#7: always 1..16 bytes
    data += bytes([pad]) * pad
    # CTR: keystream block i is AES(key, iv + i) with a 128-bit big-endian counter.
    ecb = Cipher(algorithms.AES(cipher_key), modes.ECB()).encryptor()
    start = int.from_bytes(iv, "big")
    stream = b"".join(
        ecb.update(((start + i) % 2**128).to_bytes(16, "big")) for i in range(len(data) // 16)
    )
    ciphertext = bytes(a ^ b for a, b in zip(data, stream, strict=True))
    mac = hmac.new(mac_key, ciphertext, hashlib.sha256).hexdigest()
    inner = salt.hex() + "\n" + mac + "\n" + ciphertext.hex()
    body = inner.encode("ascii").hex()
    lines = [header] + [body[i : i + 80] for i in range(0, len(body), 80)]
    return "\n".join(lines) + "\n"


def test_known_answer_matches_the_documented_layout_byte_for_byte() -> None:
    got = encrypt(PLAINTEXT, PASSWORD, salt=SALT)
    assert got == _expected_vault(PLAINTEXT, PASSWORD, SALT, "$ANSIBLE_VAULT;1.1;AES256")
    lines = got.splitlines()
    assert all(len(line) == 80 for line in lines[1:-1]) and 0 < len(lines[-1]) <= 80
    assert got.endswith("\n")


def test_block_aligned_text_gets_a_full_pad_block_over_several_counter_blocks() -> None:
    # 32 bytes of text: PKCS#7 adds a whole 16-byte block, and CTR runs 3 counter blocks.
    text = "x" * 32
    got = encrypt(text, PASSWORD, salt=b"\xff" * 32)
    assert got == _expected_vault(text, PASSWORD, b"\xff" * 32, "$ANSIBLE_VAULT;1.1;AES256")
    assert len(parse_envelope(got, where="t").ciphertext) == 48


def test_round_trip_and_random_salt() -> None:
    one, two = encrypt(PLAINTEXT, PASSWORD), encrypt(PLAINTEXT, PASSWORD)
    assert one != two  # a fresh salt each time
    assert decrypt(one, PASSWORD, where="x") == PLAINTEXT
    assert decrypt(two.encode("ascii"), PASSWORD, where="x") == PLAINTEXT
    assert decrypt(encrypt("", PASSWORD), PASSWORD, where="x") == ""


def test_vault_id_gives_a_1_2_header_and_is_read_back() -> None:
    got = encrypt(PLAINTEXT, PASSWORD, vault_id="prod", salt=SALT)
    assert got.splitlines()[0] == "$ANSIBLE_VAULT;1.2;AES256;prod"
    assert got == _expected_vault(PLAINTEXT, PASSWORD, SALT, "$ANSIBLE_VAULT;1.2;AES256;prod")
    envelope = parse_envelope(got, where="t")
    assert (envelope.version, envelope.vault_id, envelope.salt) == ("1.2", "prod", SALT)
    assert decrypt(got, PASSWORD, where="t") == PLAINTEXT
    # "default" is ansible's unnamed id: it stays 1.1
    assert encrypt("a", PASSWORD, vault_id="default").startswith("$ANSIBLE_VAULT;1.1;AES256\n")


def test_wrong_password_names_file_and_line() -> None:
    text = encrypt(PLAINTEXT, PASSWORD)
    with pytest.raises(InputError) as caught:
        decrypt(text, b"wrong", where="group_vars/all.yml:12")
    assert (caught.value.path, caught.value.line) == ("group_vars/all.yml", 12)
    assert str(caught.value).startswith("group_vars/all.yml:12: vault decryption failed")
    assert "HMAC" in str(caught.value)


def test_tampered_ciphertext_or_hmac_is_refused() -> None:
    text = encrypt(PLAINTEXT, PASSWORD, salt=SALT)
    envelope = parse_envelope(text, where="t")
    flipped = bytes([envelope.ciphertext[0] ^ 1]) + envelope.ciphertext[1:]
    for salt, mac, ciphertext in (
        (envelope.salt, envelope.hmac, flipped),
        (envelope.salt, bytes(32), envelope.ciphertext),
        (bytes([envelope.salt[0] ^ 1]) + envelope.salt[1:], envelope.hmac, envelope.ciphertext),
    ):
        inner = b"\n".join(binascii.hexlify(p) for p in (salt, mac, ciphertext))
        forged = "$ANSIBLE_VAULT;1.1;AES256\n" + binascii.hexlify(inner).decode() + "\n"
        with pytest.raises(InputError, match=r"^f\.yml:3: vault decryption failed"):
            decrypt(forged, PASSWORD, where="f.yml:3")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello", "no \\$ANSIBLE_VAULT header"),
        ("$ANSIBLE_VAULT;1.1\n00", "header needs"),
        ("$ANSIBLE_VAULT;2.0;AES256\n00", "unsupported version '2.0'"),
        ("$ANSIBLE_VAULT;1.1;AES\n00", "unsupported cipher 'AES'"),
        ("$ANSIBLE_VAULT;1.1;AES256\nzz", "not hexadecimal"),
        ("$ANSIBLE_VAULT;1.1;AES256\n" + b"00\n11".hex(), "salt, HMAC and ciphertext"),
        ("$ANSIBLE_VAULT;1.1;AES256\n" + b"00\n11\n2233".hex(), "whole number of AES blocks"),
        ("$ANSIBLE_VAULT;1.1;AES256\n" + b"00\nxy\n".hex() + "00" * 16, "not hexadecimal"),
    ],
)
def test_malformed_envelopes_are_input_errors(text: str, reason: str) -> None:
    with pytest.raises(InputError, match=rf"^v\.yml:7: malformed vault data: .*{reason}"):
        decrypt(text, PASSWORD, where="v.yml:7")


def test_is_vaulted() -> None:
    assert is_vaulted(encrypt("a", PASSWORD))
    assert is_vaulted(b"  $ANSIBLE_VAULT;1.1;AES256\n")
    assert not is_vaulted("plain: yaml\n")
    assert not is_vaulted(b"")


def test_refuses_empty_password_and_double_encryption() -> None:
    with pytest.raises(InputError, match="empty"):
        encrypt("a", b"")
    with pytest.raises(InputError, match="already vault-encrypted"):
        encrypt(encrypt("a", PASSWORD), PASSWORD)
    with pytest.raises(InputError, match="vault id"):
        encrypt("a", PASSWORD, vault_id="a;b")


# --- password files and scripts ---------------------------------------------------


def test_password_file_is_stripped_like_ansible(tmp_path: Path) -> None:
    path = tmp_path / "pass"
    path.write_bytes(b"  s3cret pass\r\n\n")
    path.chmod(0o600)
    assert load_vault_password(path) == b"s3cret pass"
    secret = VaultSecret.from_file(path)
    assert secret.password == b"s3cret pass"
    assert "s3cret" not in repr(secret)


def test_executable_password_file_is_run(tmp_path: Path) -> None:
    script = tmp_path / "pass.sh"
    script.write_text("#!/bin/sh\nprintf ' from script \\n'\n")
    script.chmod(0o700)
    # Only CR/LF are stripped from a script's output, as ansible does.
    assert load_vault_password(script) == b" from script "


def test_password_script_failure_timeout_and_empty_are_clear(tmp_path: Path) -> None:
    failing = tmp_path / "fail.sh"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o700)
    with pytest.raises(InputError, match=r"fail\.sh: vault password script exited with status 3"):
        load_vault_password(failing)
    slow = tmp_path / "slow.sh"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o700)
    with pytest.raises(InputError, match=r"did not finish within 0\.5s"):
        load_vault_password(slow, timeout=0.5)
    silent = tmp_path / "silent.sh"
    silent.write_text("#!/bin/sh\necho\n")
    silent.chmod(0o700)
    with pytest.raises(InputError, match="printed nothing"):
        load_vault_password(silent)
    not_a_script = tmp_path / "binary"
    not_a_script.write_bytes(b"just a password\n")
    not_a_script.chmod(stat.S_IRWXU)
    with pytest.raises(InputError, match="remove its executable bit"):
        load_vault_password(not_a_script)


def test_missing_or_empty_password_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_vault_password(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(InputError, match="empty"):
        load_vault_password(empty)


# --- YAML: !vault values and whole-file vaults -----------------------------------


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def _vars_file(tmp_path: Path) -> Path:
    path = tmp_path / "vars.yml"
    path.write_text(
        "user: admin\n"
        "password: !vault |\n"
        + _indent(encrypt("hunter2", PASSWORD), 10)
        + "hosts:\n"
        + "  - name: r1\n"
        + "    secret: !vault |\n"
        + _indent(encrypt("enable-pw", PASSWORD, vault_id="dev"), 6)
    )
    return path


def test_vault_tag_loads_lazily_and_resolves_with_lines(tmp_path: Path) -> None:
    path = _vars_file(tmp_path)
    data = load_yaml(path)
    assert isinstance(data, LineDict)
    vaulted = data["password"]
    assert isinstance(vaulted, VaultedStr)
    assert (vaulted.path, vaulted.line) == (str(path), 2)
    assert "hunter2" not in repr(data)
    resolved, secrets = resolve_vaulted(data, PASSWORD)
    assert resolved is data  # in place: line numbers kept
    assert data["password"] == "hunter2"
    assert data["hosts"][0]["secret"] == "enable-pw"
    assert data["user"] == "admin"
    assert data.key_lines["hosts"] == path.read_text().splitlines().index("hosts:") + 1
    assert data["hosts"].line == data.key_lines["hosts"] + 1
    assert secrets == ["hunter2", "enable-pw"]


def test_vault_tag_without_password_or_with_wrong_one_names_its_line(tmp_path: Path) -> None:
    path = _vars_file(tmp_path)
    with pytest.raises(InputError) as caught:
        resolve_vaulted(load_yaml(path), None)
    assert str(caught.value) == f"{path}:2: is vault-encrypted; give --vault-password-file"
    with pytest.raises(InputError) as caught:
        resolve_vaulted(load_yaml(path), b"wrong")
    assert (caught.value.path, caught.value.line) == (str(path), 2)
    assert "vault decryption failed" in str(caught.value)


def test_vault_tag_on_non_vault_text_is_a_yaml_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("a: 1\nb: !vault plain\n")
    with pytest.raises(InputError, match=r"bad\.yml:2: invalid YAML: !vault value is not"):
        load_yaml(path)


def test_resolve_walks_nested_lists_and_a_bare_value() -> None:
    one = VaultedStr(encrypt("p1", PASSWORD), path="f", line=1)
    data = {"a": [one, {"b": one}, "plain", 3]}
    resolved, secrets = resolve_vaulted(data, PASSWORD)
    assert resolved == {"a": ["p1", {"b": "p1"}, "plain", 3]}
    assert secrets == ["p1"]
    assert resolve_vaulted(one, PASSWORD) == ("p1", ["p1"])
    assert resolve_vaulted({"x": 1}, None) == ({"x": 1}, [])


def test_whole_file_vault(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yml"
    path.write_text(encrypt("db_password: hunter2\nports: [22, 830]\n", PASSWORD))
    data = load_yaml(path, vault_password=PASSWORD)
    assert data == {"db_password": "hunter2", "ports": [22, 830]}
    assert data.key_lines == {"db_password": 1, "ports": 2}
    with pytest.raises(InputError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}: is vault-encrypted; give --vault-password-file"
    with pytest.raises(InputError, match=r"secrets\.yml: vault decryption failed"):
        load_yaml(path, vault_password=b"wrong")


def test_whole_file_vault_yaml_error_does_not_echo_plaintext(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yml"
    path.write_text(encrypt("ok: 1\npassword: 'topsecret\n", PASSWORD))
    with pytest.raises(InputError) as caught:
        load_yaml(path, vault_password=PASSWORD)
    assert "topsecret" not in str(caught.value)
    assert caught.value.path == str(path) and caught.value.line is not None


def test_plain_file_ignores_the_password(tmp_path: Path) -> None:
    path = tmp_path / "plain.yml"
    path.write_text("a: 1\n")
    assert load_yaml(path, vault_password=PASSWORD) == {"a": 1}
    assert load_yaml(path) == {"a": 1}


# --- the reference implementation: ansible-core, both directions ------------------

SAMPLES = ["", "x", "x" * 16, "x" * 31, PLAINTEXT, "line\n" * 200]


@pytest.mark.parametrize("text", SAMPLES, ids=lambda t: f"len{len(t)}")
def test_ansible_vaultlib_agrees_both_ways(text: str) -> None:
    lib = VaultLib([("default", AnsibleSecret(PASSWORD))])
    # Same salt, same bytes: the envelope is exactly what ansible writes.
    ours = encrypt(text, PASSWORD, salt=SALT)
    assert lib.encrypt(text, salt=SALT).decode("ascii") == ours
    assert lib.decrypt(ours).decode("utf-8") == text
    assert decrypt(lib.encrypt(text), PASSWORD, where="x") == text


def test_ansible_vaultlib_agrees_on_1_2_with_vault_id() -> None:
    lib = VaultLib([("prod", AnsibleSecret(PASSWORD))])
    theirs = lib.encrypt(PLAINTEXT, vault_id="prod", salt=SALT).decode("ascii")
    assert theirs == encrypt(PLAINTEXT, PASSWORD, vault_id="prod", salt=SALT)
    assert decrypt(theirs, PASSWORD, where="x") == PLAINTEXT
    assert lib.decrypt(encrypt("abc", PASSWORD, vault_id="prod")) == b"abc"


def _ansible_vault(*args: str, cwd: Path) -> str:
    """The real ``ansible-vault`` command, isolated from the user's ansible setup."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "LC_ALL": "C.UTF-8",  # ansible refuses to start under a non-UTF-8 locale
        "ANSIBLE_CONFIG": str(cwd / "none.cfg"),
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-vault"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ansible_vault_cli_round_trips_with_netraven(tmp_path: Path) -> None:
    script = tmp_path / "pass.sh"  # one password script, used by both tools
    script.write_text("#!/bin/sh\necho 'correct horse battery staple'\n")
    script.chmod(0o700)
    password = load_vault_password(script)
    assert password == PASSWORD

    # ansible-vault encrypt_string -> a !vault value netraven loads and resolves
    snippet = _ansible_vault(
        "encrypt_string",
        "--vault-id",
        f"prod@{script}",
        "--name",
        "db_password",
        "hunter2",
        cwd=tmp_path,
    )
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text("user: admin\n" + snippet)
    data, secrets = resolve_vaulted(load_yaml(vars_file), password)
    assert data == {"user": "admin", "db_password": "hunter2"} and secrets == ["hunter2"]

    # a whole file encrypted by netraven -> ansible-vault decrypts it
    ours = tmp_path / "ours.yml"
    ours.write_text(encrypt("enable: s3cret\n", password, vault_id="prod"))
    assert (
        _ansible_vault(
            "decrypt", "--vault-id", f"prod@{script}", "--output", "-", str(ours), cwd=tmp_path
        )
        == "enable: s3cret\n"
    )

    # a whole file encrypted by ansible-vault -> netraven loads it
    theirs = tmp_path / "theirs.yml"
    theirs.write_text("ntp: [10.0.0.1]\nkey: Ünïcode\n")
    _ansible_vault("encrypt", "--vault-password-file", str(script), str(theirs), cwd=tmp_path)
    assert is_vaulted(theirs.read_text())
    assert load_yaml(theirs, vault_password=password) == {"ntp": ["10.0.0.1"], "key": "Ünïcode"}
