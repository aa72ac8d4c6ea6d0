"""Read a playbook — with its imports, roles and vars files — into plays ready to run.

Everything that can be checked without a device is checked here, and every mistake is
reported at once with its file and line: schema errors, template and expression syntax,
missing files and roles, unknown handler names, loops over things that are not lists.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from netraven.errors import InputError, InputErrors
from netraven.playbook.config_schema import ConfigAction, config_problems
from netraven.playbook.parse_schema import ParseSpec
from netraven.playbook.repo import is_repo_ref
from netraven.playbook.schema import (
    ACTIONS,
    BLOCK_TAG,
    PLUGIN_CONTEXT,
    TASK_TAG,
    Block,
    Node,
    Play,
    PlaybookImport,
    RoleRef,
    Task,
)
from netraven.playbook.templates import Templates
from netraven.playbook.tree import BlockNode, CompiledPlay, Inherited, RoleScope, TaskNode
from netraven.playbook.tree import Node as TreeNode
from netraven.plugins import Plugins, discover
from netraven.yamlfile import LineList, line_of, load_yaml_with_secrets

__all__ = ["Playbook", "load_playbook"]

_PLAY = TypeAdapter(Play)
_IMPORT = TypeAdapter(PlaybookImport)
_NODES = TypeAdapter(list[Node])
_HANDLERS = TypeAdapter(list[Task])
_SINGLE_NAME = re.compile(r"^\s*\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$")
_MAX_DEPTH = 32  # imports nested deeper than this are a cycle in all but name


@dataclass
class _Entry:
    """A play and where it was written (its file's YAML, its index there), for errors."""

    play: Play
    file: Path
    raw: Any
    index: int


@dataclass(frozen=True)
class Playbook:
    path: Path
    text: str
    sha256: str
    plays: list[Play]
    templates: Templates
    secrets: tuple[str, ...] = ()  # plaintexts of its ``!vault`` values, for redaction
    compiled: list[CompiledPlay] = field(default_factory=list)
    plugins: Plugins = field(default_factory=Plugins)  # user actions, filters, connections


def _field(loc: tuple[int | str, ...], root: str = "play") -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(
                ("." if parts else "")
                + {"assert_": "assert", "register_as": "register"}.get(part, part)
            )
    return root + "".join(parts) if loc and isinstance(loc[0], int) else "".join(parts)


def _at(file: Path, raw: object, loc: tuple[int | str, ...], message: str) -> InputError:
    """An input error naming the file, the line of ``loc`` in its YAML, and the field."""
    return InputError(f"{_field(loc)}: {message}", path=str(file), line=line_of(raw, loc))


def _schema_errors(
    file: Path, raw: object, exc: ValidationError, prefix: tuple[int | str, ...] = ()
) -> list[InputError]:
    """Every schema mistake, once each, top to bottom: the user fixes them in one go."""
    found: dict[str, InputError] = {}
    root = "play" if prefix else "tasks"
    for error in exc.errors():
        loc = tuple(
            p
            for p in error["loc"]
            if not (isinstance(p, str) and ("[" in p or p in (TASK_TAG, BLOCK_TAG)))
        )
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        if error["type"] == "is_instance_of" and loc[-1:] == ("plugin",):
            message = "unknown key"  # only a discovered plugin action fills it
        full = (*prefix, *loc)
        problem = InputError(
            f"{_field(full, root) or root}: {message}", path=str(file), line=line_of(raw, loc)
        )
        found.setdefault(str(problem), problem)
    return sorted(found.values(), key=lambda e: e.line or 0)


class _Loader:
    """One load: the files read so far, every problem found, the secrets decrypted."""

    def __init__(
        self,
        top: Path,
        vault_password: bytes | None,
        templates: Templates | None = None,
        ids: Iterator[int] | None = None,
    ) -> None:
        self.top = top
        self.base_dir = top.parent
        self.vault_password = vault_password
        self.templates = templates or Templates(self.base_dir)
        self._ids = ids or itertools.count()
        self.problems: list[InputError] = []
        self.secrets: list[str] = []
        self.task_files: dict[Path, list[Node] | None] = {}
        self.task_raw: dict[Path, Any] = {}
        # Plugin actions by name: the schema accepts their keys (see schema.PLUGIN_CONTEXT).
        self.context = {PLUGIN_CONTEXT: templates.plugins.actions if templates else {}}

    # -- files ---------------------------------------------------------------------------
    def yaml(self, path: Path) -> Any:
        data, plaintexts = load_yaml_with_secrets(path, self.vault_password)
        self.secrets += plaintexts
        return data

    def task_file(self, path: Path, where: InputError | None) -> tuple[list[Node], Any] | None:
        """A file of tasks, validated once however often it is imported."""
        path = path.resolve()
        if path not in self.task_files:
            if not path.is_file():
                if where is not None:
                    self.problems.append(where)
                return None
            try:
                raw = self.yaml(path)
            except InputError as exc:
                self.problems.append(exc)
                self.task_files[path] = None
                return None
            if raw is None:
                raw = LineList()
            if not isinstance(raw, list):
                self.problems.append(
                    InputError("a tasks file is a YAML list of tasks", path=str(path), line=1)
                )
                self.task_files[path] = None
                return None
            try:
                self.task_files[path] = _NODES.validate_python(raw, context=self.context)
                self.task_raw[path] = raw
            except ValidationError as exc:
                self.problems += _schema_errors(path, raw, exc, ())
                self.task_files[path] = None
        nodes = self.task_files[path]
        return None if nodes is None else (nodes, self.task_raw[path])

    # -- plays ---------------------------------------------------------------------------
    def playbook(self, path: Path, depth: int, chain: tuple[Path, ...]) -> list[_Entry]:
        raw = self.yaml(path)
        if raw is None:
            raise InputError("playbook is empty", path=str(path))
        if not isinstance(raw, list):
            raise InputError("a playbook is a YAML list of plays", path=str(path), line=1)
        plays: list[_Entry] = []
        for index, entry in enumerate(raw):
            try:
                if isinstance(entry, dict) and "import_playbook" in entry:
                    imported = _IMPORT.validate_python(entry, context=self.context)
                    plays += self.imported(path, raw, index, imported, depth, chain)
                else:
                    plays.append(
                        _Entry(_PLAY.validate_python(entry, context=self.context), path, raw, index)
                    )
            except ValidationError as exc:
                self.problems += _schema_errors(path, raw[index], exc, (index,))
        return plays

    def imported(
        self,
        path: Path,
        raw: Any,
        index: int,
        spec: PlaybookImport,
        depth: int,
        chain: tuple[Path, ...],
    ) -> list[_Entry]:
        target = (path.parent / spec.import_playbook).resolve()
        line = line_of(raw, (index, "import_playbook"))
        if target in chain or depth >= _MAX_DEPTH:
            self.problems.append(
                InputError(
                    f"play[{index}].import_playbook: imports itself ({target.name})",
                    path=str(path),
                    line=line,
                )
            )
            return []
        if not target.is_file():
            self.problems.append(
                InputError(
                    f"play[{index}].import_playbook: file not found: {spec.import_playbook}",
                    path=str(path),
                    line=line,
                )
            )
            return []
        plays = self.playbook(target, depth + 1, (*chain, target))
        if spec.vars:
            for entry in plays:
                entry.play = entry.play.model_copy(
                    update={"vars": {**spec.vars, **entry.play.vars}}
                )
        if target.parent != self.base_dir and not target.parent.is_relative_to(self.base_dir):
            self.templates.add_search_dir(target.parent)
        return plays

    def compile_play(self, index: int, entry: _Entry) -> CompiledPlay:
        play, file, raw = entry.play, entry.file, entry.raw
        loc: tuple[int | str, ...] = (entry.index,)
        play_vars = dict(play.vars)
        for n, name in enumerate(play.vars_files):
            play_vars.update(self.vars_file(file, raw, (*loc, "vars_files", n), name))
        base = Inherited(search_dirs=(file.parent,))
        handlers: list[TaskNode] = []
        sections: list[list[TreeNode]] = []
        sections.append(self.nodes(play.pre_tasks, base, file, raw, (*loc, "pre_tasks")))
        main: list[TreeNode] = []
        for n, ref in enumerate(play.roles):
            main += self.role(ref, file, raw, (*loc, "roles", n), handlers)
        main += self.nodes(play.tasks, base, file, raw, (*loc, "tasks"))
        sections.append(main)
        sections.append(self.nodes(play.post_tasks, base, file, raw, (*loc, "post_tasks")))
        handlers[:0] = self.handler_nodes(play.handlers, base, file, raw, (*loc, "handlers"))
        compiled = CompiledPlay(index, play, file, play_vars, sections, handlers)
        self.check_play(compiled, file, raw, loc)
        return compiled

    def vars_file(
        self, file: Path, raw: Any, loc: tuple[int | str, ...], name: str
    ) -> dict[str, Any]:
        path = file.parent / name
        if "{{" in name or not path.is_file():
            why = "templated paths are not supported" if "{{" in name else "file not found"
            self.problems.append(_at(file, raw, loc, f"{why}: {name}"))
            return {}
        try:
            data = self.yaml(path)
        except InputError as exc:
            self.problems.append(exc)
            return {}
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problems.append(
                InputError("a vars file is a YAML mapping", path=str(path), line=1)
            )
            return {}
        return dict(data)

    def role(
        self,
        ref: RoleRef,
        file: Path,
        raw: Any,
        loc: tuple[int | str, ...],
        handlers: list[TaskNode],
    ) -> list[TreeNode]:
        candidates = [file.parent / "roles" / ref.role, self.base_dir / "roles" / ref.role]
        path = next((c for c in candidates if c.is_dir()), None)
        if path is None:
            looked = ", ".join(str(c.parent) for c in dict.fromkeys(candidates))
            self.problems.append(
                _at(file, raw, loc, f"role '{ref.role}' not found (looked in {looked})")
            )
            return []
        scope = RoleScope(
            ref.role,
            path,
            defaults=self.role_vars(path / "defaults"),
            vars=self.role_vars(path / "vars"),
            params=dict(ref.vars),
        )
        inherited = Inherited(
            conditions=tuple(ref.when),
            tags=frozenset(ref.tags),
            role=scope,
            search_dirs=(path / "templates", path, path / "tasks", file.parent),
        )
        self.templates.add_search_dir(path / "templates")
        nodes: list[TreeNode] = []
        main = _main_file(path / "tasks")
        if main is not None:
            loaded = self.task_file(main, None)
            if loaded is not None:
                nodes = self.nodes(loaded[0], inherited, main.resolve(), loaded[1], ())
        handler_file = _main_file(path / "handlers")
        if handler_file is not None:
            try:
                raw_handlers = self.yaml(handler_file) or LineList()
                parsed = _HANDLERS.validate_python(raw_handlers, context=self.context)
                handlers += self.handler_nodes(parsed, inherited, handler_file, raw_handlers, ())
            except InputError as exc:
                self.problems.append(exc)
            except ValidationError as exc:
                self.problems += _schema_errors(handler_file, raw_handlers, exc, ())
        return nodes

    def role_vars(self, folder: Path) -> dict[str, Any]:
        path = _main_file(folder)
        if path is None:
            return {}
        try:
            data = self.yaml(path)
        except InputError as exc:
            self.problems.append(exc)
            return {}
        if data is not None and not isinstance(data, dict):
            self.problems.append(
                InputError("a vars file is a YAML mapping", path=str(path), line=1)
            )
            return {}
        return dict(data or {})

    # -- tasks ---------------------------------------------------------------------------
    def nodes(
        self,
        nodes: list[Task | Block],
        inherited: Inherited,
        file: Path,
        raw: Any,
        loc: tuple[int | str, ...],
        depth: int = 0,
    ) -> list[TreeNode]:
        result: list[TreeNode] = []
        for n, node in enumerate(nodes):
            here = (*loc, n)
            if isinstance(node, Block):
                scope = inherited.enter(node)
                result.append(
                    BlockNode(
                        node,
                        self.nodes(node.block, scope, file, raw, (*here, "block"), depth),
                        self.nodes(node.rescue, scope, file, raw, (*here, "rescue"), depth),
                        self.nodes(node.always, scope, file, raw, (*here, "always"), depth),
                        scope,
                    )
                )
                continue
            _check_task(self.templates, file, raw, here, node, self.problems)
            if node.listen:
                self.problems.append(_at(file, raw, (*here, "listen"), "only handlers listen"))
            if node.import_tasks is not None:
                result += self.included(node, inherited.enter(node), file, raw, here, depth)
                continue
            task_node = TaskNode(
                self.new_id(), node, file, line_of(raw, here), inherited.enter(node)
            )
            self.check_templates(task_node, file, raw, here)
            if node.include_tasks is not None and "{{" not in node.include_tasks:
                # The include's own ``when`` decides whether it runs; its tasks don't repeat it.
                inner = inherited.enter(node, own_when=False)
                task_node.children = self.included(node, inner, file, raw, here, depth)
            result.append(task_node)
        return result

    def included(
        self,
        node: Task,
        inherited: Inherited,
        file: Path,
        raw: Any,
        loc: tuple[int | str, ...],
        depth: int,
        rendered: str | None = None,
    ) -> list[TreeNode]:
        name = rendered or node.import_tasks or node.include_tasks or ""
        key = "import_tasks" if node.import_tasks is not None else "include_tasks"
        here = (*loc, key)
        if "{{" in name and rendered is None and key == "import_tasks":
            self.problems.append(
                _at(
                    file,
                    raw,
                    here,
                    "import_tasks is static: use include_tasks for a templated file name",
                )
            )
            return []
        dirs = [file.parent, *inherited.search_dirs, self.base_dir]
        path = next((d / name for d in dirs if (d / name).is_file()), dirs[0] / name)
        if depth >= _MAX_DEPTH:
            self.problems.append(_at(file, raw, here, f"{name} includes itself"))
            return []
        missing = _at(file, raw, here, f"file not found: {name}")
        loaded = self.task_file(path, missing)
        if loaded is None:
            return []
        inner = Inherited(
            **{**inherited.__dict__, "search_dirs": (path.parent, *inherited.search_dirs)}
        )
        return self.nodes(loaded[0], inner, path.resolve(), loaded[1], (), depth + 1)

    def handler_nodes(
        self,
        tasks: list[Task],
        inherited: Inherited,
        file: Path,
        raw: Any,
        loc: tuple[int | str, ...],
    ) -> list[TaskNode]:
        result = []
        for n, task in enumerate(tasks):
            here = (*loc, n)
            _check_task(self.templates, file, raw, here, task, self.problems)
            if task.name is None and not task.listen:
                self.problems.append(_at(file, raw, here, "a handler needs a name or listen"))
            if task.action in ("include_tasks", "import_tasks"):
                self.problems.append(_at(file, raw, here, "handlers cannot include tasks"))
                continue
            node = TaskNode(self.new_id(), task, file, line_of(raw, here), inherited.enter(task))
            self.check_templates(node, file, raw, here)
            result.append(node)
        return result

    def new_id(self) -> int:
        return next(self._ids)

    def check_templates(
        self, node: TaskNode, file: Path, raw: Any, loc: tuple[int | str, ...]
    ) -> None:
        task = node.task
        names: list[tuple[str, tuple[int | str, ...]]] = []
        if task.config is not None and task.config.template_file is not None:
            key = "src" if task.config.src is not None else "template"
            names.append((task.config.template_file, (*loc, "config", key)))
        if task.rollback is not None and task.rollback.template is not None:
            names.append((task.rollback.template, (*loc, "rollback", "template")))
        if task.template is not None:
            names.append((task.template.src, (*loc, "template", "src")))
        if task.parse is not None and task.parse.template_file is not None:
            self.check_parse_template(task.parse, node, file, raw, (*loc, "parse"))
        for name, where in names:
            if "{{" in name:
                continue
            try:
                resolve_template(self.templates, name, node.scope.search_dirs)
            except InputError as exc:
                if exc.path is not None:
                    self.problems.append(exc)  # a syntax error inside the template file
                else:
                    self.problems.append(_at(file, raw, where, str(exc)))

    def check_parse_template(
        self, spec: ParseSpec, node: TaskNode, file: Path, raw: Any, loc: tuple[int | str, ...]
    ) -> None:
        """A parse template exists (role's templates first) and, for textfsm, compiles."""
        from netraven.engine.parse import check_template

        where = (*loc, "template" if spec.template is not None else "template_path")
        try:
            check_template(spec, (*node.scope.search_dirs, self.templates.base_dir))
        except InputError as exc:
            self.problems.append(_at(file, raw, where, str(exc)))

    def check_play(
        self, play: CompiledPlay, file: Path, raw: Any, loc: tuple[int | str, ...]
    ) -> None:
        names = {h.task.name for h in play.handlers if h.task.name}
        topics = {t for h in play.handlers for t in h.task.listen}
        for node in play.task_nodes():
            task = node.task
            for name in task.notify:
                if name not in names and name not in topics:
                    self.problems.append(
                        InputError(
                            f"notify: no handler named '{name}' in play '{play.title}'",
                            path=str(node.file),
                            line=node.line,
                        )
                    )
            source = task.loop_source
            if isinstance(source, str):
                self.check_loop(source, play, node)

    def check_loop(self, source: str, play: CompiledPlay, node: TaskNode) -> None:
        """A loop over something that can be seen not to be a list is an error now."""
        if "{{" not in source:
            problem = f"loop: '{source}' is not a list (give a YAML list or a '{{{{ var }}}}')"
        else:
            match = _SINGLE_NAME.match(source)
            if match is None or match.group(1) not in play.vars:
                return
            value = play.vars[match.group(1)]
            if isinstance(value, (list, dict)) or (isinstance(value, str) and "{{" in value):
                return
            problem = f"loop: '{match.group(1)}' is a {type(value).__name__}, not a list"
        self.problems.append(InputError(problem, path=str(node.file), line=node.line))


def compile_included(
    templates: Templates, node: TaskNode, name: str, ids: Iterator[int]
) -> list[TreeNode]:
    """The tasks of a file named at run time, compiled as ``include_tasks`` would at load."""
    loader = _Loader(node.file, None, templates, ids)
    inherited = node.scope
    inner = Inherited(
        **{**inherited.__dict__, "conditions": inherited.conditions[: -len(node.task.when) or None]}
    )
    nodes = loader.included(node.task, inner, node.file, None, (), 0, name)
    if loader.problems:
        raise InputErrors.of(sorted(_unique(loader.problems), key=_order))
    return nodes


def _main_file(folder: Path) -> Path | None:
    for name in ("main.yml", "main.yaml"):
        if (folder / name).is_file():
            return folder / name
    return None


def resolve_template(templates: Templates, name: str, search_dirs: tuple[Path, ...]) -> str:
    """The loader name of a template file, searched like Ansible: role's templates first.

    ``repo:NAME[@VERSION]`` names a template repository version instead (playbook/repo.py):
    while loading, only its spelling is checked; in a run, the pinned version's name.
    """
    if is_repo_ref(name):
        if templates.repo.source is None:
            return templates.repo.note(name)
        found = templates.repo.resolve(name)
        return f"repo:{found.name}@{found.version}"
    for directory in (*search_dirs, templates.base_dir):
        candidate = directory / name
        if candidate.is_file():
            try:
                rel = candidate.resolve().relative_to(templates.base_dir.resolve())
                name = rel.as_posix()
            except ValueError:
                templates.add_search_dir(directory)
            templates.check_file(name)
            return name
    raise InputError(f"template file not found: {name}")


def load_playbook(path: str | Path, vault_password: bytes | None = None) -> Playbook:
    file = Path(path)
    templates = Templates(file.parent)
    # Plugins first: their action keys, filters and connection kinds are part of the
    # language this playbook is checked against.
    plugins = discover(
        file,
        builtin_actions=(*ACTIONS, "plugin"),
        builtin_filters=templates.env.filters,
        builtin_connections=("scrapli", "netmiko"),
    )
    templates.use_plugins(plugins)
    loader = _Loader(file, vault_password, templates)
    plays = loader.playbook(file, 0, (file.resolve(),))
    if loader.problems:
        raise InputErrors.of(sorted(loader.problems, key=_order))
    compiled = [loader.compile_play(index, entry) for index, entry in enumerate(plays)]
    if loader.problems:
        raise InputErrors.of(sorted(_unique(loader.problems), key=_order))
    text = file.read_text(encoding="utf-8")
    sha256 = hashlib.sha256(text.encode()).hexdigest()
    return Playbook(
        file,
        text,
        sha256,
        [entry.play for entry in plays],
        loader.templates,
        tuple(dict.fromkeys(loader.secrets)),
        compiled,
        plugins,
    )


def _order(error: InputError) -> tuple[str, int]:
    return (error.path or "", error.line or 0)


def _unique(errors: list[InputError]) -> list[InputError]:
    return list({str(e): e for e in errors}.values())


def _check_config(
    spec: ConfigAction, file: Path, raw: object, base: tuple[int | str, ...]
) -> list[InputError]:
    """The config options that contradict each other, each at the line of its key."""
    found = [_at(file, raw, (*base, *loc), message) for loc, message in config_problems(spec)]
    return sorted(found, key=lambda e: e.line or 0)


def _check_task(
    templates: Templates,
    file: Path,
    raw: object,
    base: tuple[int | str, ...],
    task: Task,
    problems: list[InputError],
) -> None:
    """Every template and expression syntax problem in one task (all reported, not the first)."""

    def check(kind: str, source: Any, loc: tuple[int | str, ...]) -> None:
        where = _field(loc)
        try:
            if kind == "expr":
                if isinstance(source, str):
                    templates.check_expression(source, where)
            elif isinstance(source, str):
                if "{" in source:
                    templates.check_string(source, where)
            elif isinstance(source, dict):
                for key, value in source.items():
                    check("str", value, (*loc, key))
            elif isinstance(source, list):
                for i, value in enumerate(source):
                    check("str", value, (*loc, i))
        except InputError as exc:
            problems.append(InputError(str(exc), path=str(file), line=line_of(raw, loc)))

    for i, command in enumerate(task.command or []):
        check("str", command, (*base, "command", i))
    problems += _parse_placement(file, raw, (*base, "parse"), task)
    if task.parse is not None and task.parse.command is not None:
        check("str", task.parse.command, (*base, "parse", "command"))
    for key in ("when", "changed_when", "failed_when"):
        for i, cond in enumerate(getattr(task, key) or []):
            check("expr", cond, (*base, key, i))
    if task.until is not None:
        check("expr", task.until, (*base, "until"))
    if task.config is not None:
        problems.extend(_check_config(task.config, file, raw, (*base, "config")))
        for key in ("lines", "parents", "before", "after"):
            check("str", getattr(task.config, key) or [], (*base, "config", key))
        if task.config.intended_config is not None:
            check("str", task.config.intended_config, (*base, "config", "intended_config"))
    if task.rollback is not None:
        check("str", task.rollback.lines or [], (*base, "rollback", "lines"))
    if task.assert_ is not None:
        for i, cond in enumerate(task.assert_.that):
            check("expr", cond, (*base, "assert", "that", i))
        for key in ("fail_msg", "success_msg"):
            value = getattr(task.assert_, key)
            if value is not None:
                check("str", value, (*base, "assert", key))
    if task.debug is not None:
        check("str", task.debug.msg, (*base, "debug", "msg"))
        if task.debug.var is not None:
            check("expr", task.debug.var, (*base, "debug", "var"))
    if task.set_fact is not None:
        check("str", task.set_fact, (*base, "set_fact"))
    if task.fail is not None:
        check("str", task.fail.msg, (*base, "fail", "msg"))
    if task.plugin is not None:
        check("str", task.plugin.args, (*base, task.plugin.name))
        problems += _plugin_arg_errors(file, raw, (*base, task.plugin.name), task)
    check("str", task.vars, (*base, "vars"))
    source = task.loop_source
    if source is not None:
        check("str", source, (*base, "loop"))
    if task.loop_control is not None and task.loop_control.label is not None:
        check("str", task.loop_control.label, (*base, "loop_control", "label"))


def _plugin_arg_errors(
    file: Path, raw: object, loc: tuple[int | str, ...], task: Task
) -> list[InputError]:
    """A plugin action's arguments checked against its model, each mistake at its line.

    A value that is still a template (``"{{ vlan }}"``) cannot be judged yet: it is
    checked once rendered, when the task runs.
    """
    call = task.plugin
    assert call is not None
    model = call.impl.args_model
    if model is None:
        return []
    try:
        model.model_validate(call.args if call.args is not None else {})
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            value = error.get("input")
            if isinstance(value, str) and ("{{" in value or "{%" in value):
                continue
            where = (*loc, *error["loc"])
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            found.append(_at(file, raw, where, message))
        return found
    return []


def _parse_placement(
    file: Path, raw: object, loc: tuple[int | str, ...], task: Task
) -> list[InputError]:
    """``parse:`` names a parser and sits on a task that runs exactly one command."""
    if task.parse is None:
        if "parse" not in task.model_fields_set:
            return []
        message = "name a parser (textfsm, ntc_templates or ttp)"  # ``parse:`` would do nothing
    elif task.command is None:
        message = "only a command task can parse"
    elif len(task.command) != 1:
        message = "parses the output of exactly one command; give each command its own task"
    else:
        return []
    return [_at(file, raw, loc, message)]
