"""Ansible Vault (format 1.1 and 1.2, cipher AES256): secrets kept in git only encrypted.

Written from the documented format so files and ``!vault`` strings move both ways
between NetRaven and ``ansible-vault``:

* envelope: a header line ``$ANSIBLE_VAULT;1.1;AES256`` (``1.2`` adds ``;<vault-id>``),
  then the body in hex wrapped at 80 columns, ending with a newline;
* body: hex of ``hex(salt) "\\n" hex(hmac) "\\n" hex(ciphertext)`` (hex twice: the
  format says so, dropping it would break compatibility);
* keys: PBKDF2-HMAC-SHA256 over the password and the salt, 10000 iterations, 80 bytes:
  32 for AES, 32 for the HMAC, 16 for the initial counter block;
* cipher: the plaintext padded to 16 bytes (PKCS#7), AES-256 in CTR mode, then
  HMAC-SHA256 of the ciphertext (encrypt-then-MAC; checked before decrypting).

The vault id of a 1.2 header is only a label: it is not authenticated, so decryption
never depends on it.

Passwords are run-time input (a file or an executable script, as ``ansible-vault``
reads them); nothing here logs or echoes a password or a plaintext.
"""

from __future__ import annotations

import binascii
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netraven.errors import InputError

if TYPE_CHECKING:  # cryptography loads only when a vault is actually opened or written
    from cryptography.hazmat.primitives.hmac import HMAC

HEADER = "$ANSIBLE_VAULT"
CIPHER = "AES256"
VERSIONS = ("1.1", "1.2")
KDF_ITERATIONS = 10000
KEY_LENGTH = 32
IV_LENGTH = 16
SALT_LENGTH = 32  # what ansible-vault writes; any length decrypts
LINE_WIDTH = 80
SCRIPT_TIMEOUT = 60.0  # seconds a password script may take (it may prompt on a tty)

MISSING_PASSWORD = "is vault-encrypted; give --vault-password-file"


@dataclass(frozen=True)
class VaultSecret:
    """A vault password that never shows itself in a repr, a log or a traceback."""

    password: bytes = field(repr=False)
    source: str = "<given>"

    @classmethod
    def from_file(cls, path: Path, *, timeout: float = SCRIPT_TIMEOUT) -> VaultSecret:
        return cls(load_vault_password(path, timeout=timeout), source=str(path))


def load_vault_password(path: Path, *, timeout: float = SCRIPT_TIMEOUT) -> bytes:
    """The password in ``path``, or printed by it when it is executable (as ansible does).

    Like ``ansible-vault``: a file's content is stripped of surrounding whitespace, a
    script's standard output of surrounding CR/LF; an empty password is refused.  The
    script's standard error and input stay the terminal's so it can prompt.
    """
    where = str(path)
    if not path.is_file():
        raise InputError("vault password file not found", path=where)
    if os.access(path, os.X_OK):
        password = _run_password_script(path, timeout).strip(b"\r\n")
        what = "vault password script printed nothing"
    else:
        try:
            password = path.read_bytes().strip()
        except OSError as exc:
            raise InputError(
                f"cannot read vault password file: {exc.strerror}", path=where
            ) from None
        what = "vault password file is empty"
    if not password:
        raise InputError(what, path=where)
    if is_vaulted(password):
        raise InputError("vault password file is itself vault-encrypted", path=where)
    return password


def _run_password_script(path: Path, timeout: float) -> bytes:
    where = str(path)
    try:
        done = subprocess.run(  # noqa: S603 - the user's own script, run as ansible would
            [str(path.resolve())], stdout=subprocess.PIPE, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise InputError(
            f"vault password script did not finish within {timeout:g}s", path=where
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot run vault password script ({exc.strerror}); "
            "if it is not a script, remove its executable bit",
            path=where,
        ) from None
    if done.returncode != 0:
        raise InputError(f"vault password script exited with status {done.returncode}", path=where)
    return done.stdout


def is_vaulted(text: str | bytes) -> bool:
    """Whether ``text`` is an Ansible Vault envelope (leading whitespace allowed)."""
    if isinstance(text, bytes):
        return text.lstrip().startswith(HEADER.encode("ascii"))
    return text.lstrip().startswith(HEADER)


def _derive(password: bytes, salt: bytes) -> tuple[bytes, bytes, bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    """Cipher key, HMAC key and initial counter block, in the format's order."""
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(),
        length=2 * KEY_LENGTH + IV_LENGTH,
        salt=salt,
        iterations=KDF_ITERATIONS,
    )
    derived = kdf.derive(password)
    return derived[:KEY_LENGTH], derived[KEY_LENGTH : 2 * KEY_LENGTH], derived[2 * KEY_LENGTH :]


def _mac(key: bytes, ciphertext: bytes) -> HMAC:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.hmac import HMAC

    mac = HMAC(key, hashes.SHA256())
    mac.update(ciphertext)
    return mac


def encrypt(
    plaintext: str,
    password: bytes,
    *,
    vault_id: str | None = None,
    salt: bytes | None = None,
) -> str:
    """A vault envelope of ``plaintext`` (UTF-8) that ``ansible-vault decrypt`` opens.

    A ``vault_id`` other than ``default`` gives a 1.2 header, as ansible writes.  A fixed
    ``salt`` makes the output reproducible (tests); leave it out otherwise.
    """
    if not password:
        raise InputError("the vault password is empty")
    if is_vaulted(plaintext):
        raise InputError("already vault-encrypted")
    if vault_id is not None and (not vault_id or any(c in vault_id for c in ";\r\n")):
        raise InputError("a vault id must be non-empty, without ';' or line breaks")
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    salt = os.urandom(SALT_LENGTH) if salt is None else salt
    cipher_key, mac_key, counter = _derive(password, salt)
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(cipher_key), modes.CTR(counter)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    digest = _mac(mac_key, ciphertext).finalize()
    inner = b"\n".join(binascii.hexlify(part) for part in (salt, digest, ciphertext))
    body = binascii.hexlify(inner).decode("ascii")
    header = f"{HEADER};1.1;{CIPHER}"
    if vault_id is not None and vault_id != "default":
        header = f"{HEADER};1.2;{CIPHER};{vault_id}"
    lines = [header] + [body[i : i + LINE_WIDTH] for i in range(0, len(body), LINE_WIDTH)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Envelope:
    """A parsed vault envelope; ``vault_id`` is ``None`` for 1.1."""

    version: str
    cipher: str
    vault_id: str | None
    salt: bytes
    hmac: bytes
    ciphertext: bytes


def parse_envelope(text: str | bytes, *, where: str) -> Envelope:
    """Split an envelope into its parts; any malformation is an ``InputError`` at ``where``."""
    path, line = _split_where(where)

    def bad(reason: str) -> InputError:
        return InputError(f"malformed vault data: {reason}", path=path, line=line)

    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise bad("not ASCII") from None
    lines = text.strip().splitlines()
    if not lines or not lines[0].startswith(HEADER):
        raise bad(f"no {HEADER} header")
    fields = [f.strip() for f in lines[0].strip().split(";")]
    if len(fields) < 3 or fields[0] != HEADER:
        raise bad("header needs $ANSIBLE_VAULT;VERSION;CIPHER")
    version, cipher = fields[1], fields[2]
    if version not in VERSIONS:
        raise bad(f"unsupported version {version!r} (known: {', '.join(VERSIONS)})")
    if cipher != CIPHER:
        raise bad(f"unsupported cipher {cipher!r} (only {CIPHER}; re-key with ansible-vault)")
    vault_id = fields[3] if len(fields) >= 4 and fields[3] else None
    hex_body = "".join(part.strip() for part in lines[1:])
    try:
        inner = binascii.unhexlify(hex_body)
        parts = inner.split(b"\n", 2)
        if len(parts) != 3:
            raise bad("the body must hold salt, HMAC and ciphertext")
        salt, digest, ciphertext = (binascii.unhexlify(p) for p in parts)
    except (binascii.Error, ValueError):
        raise bad("the body is not hexadecimal") from None
    if not ciphertext or len(ciphertext) % IV_LENGTH:
        raise bad("the ciphertext is not a whole number of AES blocks")
    return Envelope(version, cipher, vault_id, salt, digest, ciphertext)


def decrypt(text: str | bytes, password: bytes, *, where: str) -> str:
    """The plaintext of a vault envelope.

    ``where`` is ``FILE`` or ``FILE:LINE``; every failure (wrong password, tampered or
    malformed data, non-UTF-8 plaintext) is an ``InputError`` naming it, never a traceback.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    path, line = _split_where(where)
    envelope = parse_envelope(text, where=where)
    if not password:
        raise InputError("the vault password is empty", path=path, line=line)
    cipher_key, mac_key, counter = _derive(password, envelope.salt)
    try:
        _mac(mac_key, envelope.ciphertext).verify(envelope.hmac)
    except InvalidSignature:
        raise InputError(
            "vault decryption failed: wrong vault password or altered data (HMAC mismatch)",
            path=path,
            line=line,
        ) from None
    decryptor = Cipher(algorithms.AES(cipher_key), modes.CTR(counter)).decryptor()
    padded = decryptor.update(envelope.ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
        return plain.decode("utf-8")
    except ValueError:  # bad padding, or UnicodeDecodeError (a ValueError)
        raise InputError(
            "malformed vault data: the decrypted content is not padded UTF-8 text",
            path=path,
            line=line,
        ) from None


def _split_where(where: str) -> tuple[str, int | None]:
    """``FILE:LINE`` into its parts, so ``InputError`` keeps path and line apart."""
    path, sep, tail = where.rpartition(":")
    if sep and path and tail.isdigit():
        return path, int(tail)
    return where, None


@dataclass(frozen=True)
class VaultedStr:
    """A ``!vault`` value as loaded: its envelope and where it was written.

    Not a ``str``: a value nobody decrypted must fail loudly, never pass as its ciphertext.
    """

    ciphertext: str = field(repr=False)
    path: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        path = self.path or "<string>"
        return f"{path}:{self.line}" if self.line is not None else path

    def decrypt(self, password: bytes | None) -> str:
        if password is None:
            raise InputError(MISSING_PASSWORD, path=self.path or "<string>", line=self.line)
        return decrypt(self.ciphertext, password, where=self.where)


def resolve_vaulted(data: Any, password: bytes | None) -> tuple[Any, list[str]]:
    """Replace every ``VaultedStr`` in a loaded structure by its plaintext.

    Dicts and lists are updated in place (so ``LineDict``/``LineList`` keep their line
    numbers); mapping keys are left as they are.  Returns the structure and the distinct
    plaintexts, for the caller's redaction list.  Without a password, the first vaulted
    value is an ``InputError`` naming its file and line.
    """
    found: dict[str, None] = {}
    cache: dict[str, str] = {}

    def plain(value: VaultedStr) -> str:
        # The same envelope repeated (YAML anchors) costs one key derivation.
        if value.ciphertext not in cache:
            cache[value.ciphertext] = value.decrypt(password)
        text = cache[value.ciphertext]
        if text:
            found.setdefault(text)
        return text

    def walk(node: Any) -> Any:
        if isinstance(node, VaultedStr):
            return plain(node)
        if isinstance(node, dict):
            for key, item in node.items():
                node[key] = walk(item)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                node[index] = walk(item)
        return node

    result = walk(data)
    return result, list(found)
