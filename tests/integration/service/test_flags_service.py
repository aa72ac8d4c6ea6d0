"""Flags switched over the API reach the next job the service runs, with no restart."""

from __future__ import annotations

from pathlib import Path

from netraven.flags import bucket
from tests.integration.conftest import Lab
from tests.integration.service.conftest import project_for, start_service

HOSTS = [f"sw-lab-{i}" for i in range(1, 9)]
PLAY = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: new behaviour
      command: show clock
      when: flag('new_ntp')
"""
TOML = '[flags.new_ntp]\ndescription = "Move to the new NTP server"\ndefault = false\n'


def test_a_flag_changed_over_the_api_applies_to_the_next_job(lab: Lab, tmp_path: Path) -> None:
    project = project_for(lab, tmp_path / "project", {"play.yml": PLAY})
    (project / "netraven.toml").write_text(TOML)
    service = start_service(project, f"sqlite:///{tmp_path / 'service.db'}")
    body = {"playbook": "play.yml", "inventory": "inventory", "limit": ",".join(HOSTS)}

    def job() -> dict[str, object]:
        with service.client("operator") as client:
            started = client.post("/jobs", json=body)
            assert started.status_code == 201, started.text
            service.wait_job(started.json()["id"])
            detail: dict[str, object] = client.get(f"/jobs/{started.json()['id']}").json()
            return detail

    def ran(detail: dict[str, object]) -> list[str]:
        hosts = detail["hosts"]
        assert isinstance(hosts, dict)
        return sorted(h for h, v in hosts.items() if v["tasks"][0]["status"] == "ok")

    try:
        assert ran(job()) == []  # declared default: off
        with service.client("operator") as client:
            rolled = client.post("/flags/new_ntp/rollout", json={"percent": 50})
            assert rolled.status_code == 200, rolled.text
        expected = sorted(h for h in HOSTS if bucket("new_ntp", h) < 5000)
        assert 0 < len(expected) < len(HOSTS)
        second = job()
        assert ran(second) == expected
        seen = second["flags"]
        assert isinstance(seen, dict)
        assert seen["new_ntp"]["mode"] == "rollout" and seen["new_ntp"]["percent"] == 50
        assert sorted(seen["new_ntp"]["on"]) == expected
        with service.client("operator") as client:
            assert client.post("/flags/new_ntp/disable").status_code == 200
        third = job()
        assert ran(third) == [] and third["flags"]["new_ntp"]["mode"] == "off"  # type: ignore[index]
    finally:
        service.stop()
