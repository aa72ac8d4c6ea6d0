"""Rendering a repository template for one host, as a run would, secrets masked."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from netraven.app.templates import StoreTemplateSource, find_version
from netraven.errors import InputError, TaskFailed

__all__ = ["preview"]


PREVIEW_PLAY = "- name: template preview\n  hosts: all\n  tasks:\n    - debug: {msg: preview}\n"


def preview(
    store: Engine,
    name: str,
    version: int | None,
    inventory: Path,
    host: str,
    *,
    playbook: Path | None = None,
    extra_vars: dict[str, Any] | None = None,
    vault_password: bytes | None = None,
) -> str:
    """The template rendered for one host with the variables a run would give it.

    Inventory (host → groups → defaults, group_vars/host_vars), the playbook's first play
    vars when a playbook is given, magic variables and extra vars, through the engine's
    own scope code; every known secret in the output is masked.
    """
    from netraven.connections.base import default_registry
    from netraven.engine.context import JobContext
    from netraven.engine.events import Fanout
    from netraven.engine.scope import PlayVars, task_scope
    from netraven.engine.sessions import SessionPool
    from netraven.inventory import load_inventory
    from netraven.playbook.loader import load_playbook
    from netraven.secrets import Redactor, secret_values
    from netraven.vardirs import apply_var_dirs

    found = find_version(store, name, version)
    inv, secrets = load_inventory(inventory, vault_password)
    if host not in inv.hosts:
        raise InputError(f"host '{host}' is not in the inventory {inventory}")
    with tempfile.TemporaryDirectory(prefix="netraven-preview-") as folder:
        path = playbook
        if path is None:
            path = Path(folder) / "preview.yml"
            path.write_text(PREVIEW_PLAY)
        book = load_playbook(path, vault_password)
        secrets += apply_var_dirs(inv, [path.parent], vault_password)
    variables = extra_vars or {}
    play = book.compiled[0]
    redactor = Redactor(
        [*secrets, *book.secrets, *secret_values(variables), *secret_values(play.vars)]
    )
    ctx = JobContext(
        job_id=0,
        templates=book.templates,
        events=Fanout([], []),
        sessions=SessionPool(default_registry(), True, lambda *_: None),
        redactor=redactor,
        extra_vars=variables,
        check=True,
        inventory=inv,
    )
    node = next(iter(play.task_nodes()))
    scope = task_scope(ctx, PlayVars(ctx, play, [host]), inv.hosts[host], node, None)
    book.templates.repo.attach(StoreTemplateSource(lambda: store))
    reference = f"repo:{name}@{found.version}"
    try:
        text = book.templates.render_file(reference, scope)
    except TaskFailed as exc:
        raise InputError(f"{reference} for {host}: {redactor.text(str(exc))}") from None
    return redactor.text(text) or ""
