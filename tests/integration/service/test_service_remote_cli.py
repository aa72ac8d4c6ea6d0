"""`netraven run|jobs ... --server`: the CLI driving a real service, exit codes as local runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import free_port_range, netraven, run_json
from tests.integration.conftest import Lab
from tests.integration.service.conftest import SHOW, start_service

FAILING = """\
- hosts: all
  tasks:
    - name: version
      command: show version
    - name: a command the device rejects
      command: show no-such-thing
"""


def test_remote_run_exits_as_the_local_run_would(lab: Lab, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    lab.inventory_copy(project / "inventory", **{"sw-gone": {"hostname": "127.0.0.1", "port": 1}})
    (project / "show.yml").write_text(SHOW)
    (project / "failing.yml").write_text(FAILING)
    service = start_service(project, f"sqlite:///{tmp_path / 's.db'}")
    elsewhere = tmp_path / "ci-runner"
    elsewhere.mkdir()
    token = service.tokens["operator"]
    remote = ["--server", service.url, "--token", token]
    local_db = ["--db", f"sqlite:///{tmp_path / 'local.db'}"]
    try:
        cases = [
            ("show.yml", "sw-lab-1,sw-lab-2", 0),
            ("failing.yml", "sw-lab-1", 2),
            ("show.yml", "sw-lab-1,sw-gone", 4),
        ]
        for playbook, limit, expected in cases:
            ran = netraven("run", playbook, "-i", "inventory", "-l", limit, *remote, cwd=elsewhere)
            assert ran.returncode == expected, (playbook, ran.stdout, ran.stderr)
            local = netraven(
                "run", playbook, "-i", "inventory", "-l", limit, *local_db, cwd=project
            )
            assert local.returncode == expected, local.stderr
            assert "PLAY RECAP" in ran.stdout and "PLAY RECAP" in local.stdout
            recap = ran.stdout[ran.stdout.index("PLAY RECAP") :]
            assert recap == local.stdout[local.stdout.index("PLAY RECAP") :]
        as_json = netraven(
            "run", "show.yml", "-i", "inventory", "-l", "sw-lab-3", "--output", "json", *remote,
            cwd=elsewhere,
        )  # fmt: skip
        assert as_json.returncode == 0, as_json.stderr
        document = run_json(as_json)
        assert document["job"]["user"] == "operator" and list(document["hosts"]) == ["sw-lab-3"]
        # Input errors are exit 5 with one line, as locally; so is a refused token.
        bad = netraven("run", "show.yml", "-i", "inventory", "-l", "nope", *remote, cwd=elsewhere)
        assert bad.returncode == 5 and "Traceback" not in bad.stderr
        assert "nope" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        wrong = netraven(
            "run", "show.yml", "-i", "inventory", "--server", service.url, "--token", "nrv_bad",
            cwd=elsewhere,
        )  # fmt: skip
        assert wrong.returncode == 5 and "401" in wrong.stderr and "Traceback" not in wrong.stderr
        down = f"http://127.0.0.1:{free_port_range(1)}"
        unreachable = netraven("jobs", "list", "--server", down, "--token", token, cwd=elsewhere)
        assert unreachable.returncode == 1 and "cannot reach" in unreachable.stderr
        # jobs list/show/logs from NETRAVEN_SERVER/NETRAVEN_TOKEN print what the store holds.
        env = {"NETRAVEN_SERVER": service.url, "NETRAVEN_TOKEN": service.tokens["viewer"]}
        listed = netraven("jobs", "list", "--json", cwd=elsewhere, env=env)
        assert listed.returncode == 0, listed.stderr
        jobs = json.loads(listed.stdout)
        assert len(jobs) == 4 and jobs[0]["id"] == document["job"]["id"]
        shown = netraven("jobs", "show", "last", "--json", cwd=elsewhere, env=env)
        assert json.loads(shown.stdout)["hosts"] == document["hosts"]
        here = netraven("jobs", "show", str(document["job"]["id"]), "--json",
                        "--db", f"sqlite:///{tmp_path / 's.db'}", cwd=elsewhere)  # fmt: skip
        assert json.loads(here.stdout) == json.loads(shown.stdout)
        logs = netraven("jobs", "logs", "last", "--host", "sw-lab-3", cwd=elsewhere, env=env)
        assert logs.returncode == 0 and "[sw-lab-3]" in logs.stdout
        missing = netraven("jobs", "show", "999", cwd=elsewhere, env=env)
        assert missing.returncode == 5 and "no job 999" in missing.stderr
    finally:
        service.stop()


def test_ctrl_c_cancels_the_remote_job(slow_lab: Lab, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    shutil.copytree(slow_lab.inventory, project / "inventory")
    (project / "show.yml").write_text(SHOW)
    service = start_service(project, f"sqlite:///{tmp_path / 's.db'}")
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "netraven", "run", "show.yml", "-i", "inventory", "-f", "1",
             "--server", service.url, "--token", service.tokens["operator"]],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        deadline = time.monotonic() + 60
        with service.client("viewer") as client:
            while time.monotonic() < deadline:
                jobs = client.get("/jobs").json()
                if jobs and any(v["status"] == "ok" for v in
                                client.get(f"/jobs/{jobs[0]['id']}/hosts").json().values()):
                    break  # fmt: skip
                time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 99, (out, err)
        assert "cancelling job" in err and "PLAY RECAP" in out
        job = service.wait_job(jobs[0]["id"])
        assert (job["status"], job["exit_code"]) == ("cancelled", 99)
        # Each task line printed once: the stream resumed after the interrupt, not replayed.
        lines = [line for line in out.splitlines() if line.startswith("ok: [")]
        assert len(lines) == len(set(lines)) and lines
    finally:
        service.stop()
