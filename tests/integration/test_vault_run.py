"""Ansible Vault secrets at run time: a vaulted login password and a !vault play variable
work with --vault-password-file, never appear anywhere, and mistakes are input errors."""

from __future__ import annotations

from pathlib import Path

from netraven.vault import encrypt
from tests.conftest import netraven, run_json
from tests.integration.conftest import Lab

VAULT_PASSWORD = b"correct horse battery staple"
CONTACT = "vault-Canary-contact-4471"


def _vaulted_block(plaintext: str, indent: str) -> str:
    body = encrypt(plaintext, VAULT_PASSWORD).strip().splitlines()
    return "!vault |\n" + "".join(f"{indent}{line}\n" for line in body)


def _setup(lab: Lab, workdir: Path) -> tuple[Path, Path, Path]:
    inventory = lab.inventory_copy(workdir / "inv")
    defaults = (inventory / "defaults.yaml").read_text()
    password_line = next(line for line in defaults.splitlines() if line.startswith("password:"))
    login_password = password_line.split(":", 1)[1].strip()
    vaulted = _vaulted_block(login_password, "  ")
    (inventory / "defaults.yaml").write_text(
        defaults.replace(password_line, f"password: {vaulted}".rstrip("\n"))
    )
    book = workdir / "play.yml"
    book.write_text(
        "- hosts: sw-lab-8\n"
        "  vars:\n"
        f"    contact: {_vaulted_block(CONTACT, '      ')}"
        "  tasks:\n"
        "    - config: {lines: ['snmp-server contact {{ contact }}']}\n"
        "    - command: show running-config\n"
    )
    password_file = workdir / "vault-pass"
    password_file.write_bytes(VAULT_PASSWORD + b"\n")
    return inventory, book, password_file


def test_vaulted_secrets_work_and_never_leak(lab: Lab, workdir: Path) -> None:
    inventory, book, password_file = _setup(lab, workdir)
    result = netraven(
        "run",
        str(book),
        "-i",
        str(inventory),
        "--vault-password-file",
        str(password_file),
        "--output",
        "json",
        "-vvv",
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    tasks = run_json(result)["hosts"]["sw-lab-8"]["tasks"]
    assert [t["status"] for t in tasks] in (["changed", "ok"], ["ok", "ok"])
    # The device really got the decrypted value (read through the lab's own inventory).
    assert f"snmp-server contact {CONTACT}" in lab.running_config("sw-lab-8", workdir)
    shown = netraven("jobs", "show", "last", "--json", cwd=workdir)
    logs = netraven("jobs", "logs", "last", cwd=workdir)
    for text in (result.stdout, result.stderr, shown.stdout, logs.stdout):
        assert CONTACT not in text
    for path in (workdir / ".netraven").iterdir():
        if path.is_file():
            assert CONTACT.encode() not in path.read_bytes(), f"leaked into {path.name}"
    checked = netraven(
        "validate",
        str(book),
        "-i",
        str(inventory),
        "--vault-password-file",
        str(password_file),
        cwd=workdir,
    )
    assert checked.returncode == 0, checked.stderr


def test_vault_mistakes_are_input_errors(lab: Lab, workdir: Path) -> None:
    inventory, book, password_file = _setup(lab, workdir)
    missing = netraven("run", str(book), "-i", str(inventory), cwd=workdir)
    assert missing.returncode == 5
    assert "defaults.yaml:" in missing.stderr and "--vault-password-file" in missing.stderr
    wrong = workdir / "wrong-pass"
    wrong.write_text("not the password\n")
    bad = netraven(
        "run", str(book), "-i", str(inventory), "--vault-password-file", str(wrong), cwd=workdir
    )
    assert bad.returncode == 5 and "wrong vault password" in bad.stderr
    assert "Traceback" not in bad.stderr
    by_env = netraven(
        "validate",
        str(book),
        "-i",
        str(inventory),
        cwd=workdir,
        env={"NETRAVEN_VAULT_PASSWORD_FILE": str(password_file)},
    )
    assert by_env.returncode == 0, by_env.stderr
