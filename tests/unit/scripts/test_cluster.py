"""The cluster's wiring without starting it: ports, each instance's settings, the nginx config it renders."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from desk.rasa_tracker import tracker_url
from scripts.cluster import CLUSTER_ENDPOINTS, Cluster, Layout, main, restart_part
from scripts.cluster_services import NGINX_TEMPLATES, Nginx, render
from settings import ROOT, Settings


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    base = Settings.load(env={}, dotenv=tmp_path / "none.env")
    made = Cluster(base, tmp_path, Layout.from_settings(base))
    made._urls = {  # what start() fills in from the PostgreSQL server
        "records": "postgresql+psycopg://servicedesk:pw@127.0.0.1:6543/servicedesk",
        "tracker": "postgresql+psycopg://servicedesk:pw@127.0.0.1:6543/rasa_tracker",
    }
    return made


def test_ports_follow_the_settings_proxies_on_them_instances_after_them(cluster: Cluster) -> None:
    layout = cluster.layout
    assert (layout.public, layout.rasa_proxy, layout.action_proxy) == (8000, 5005, 5055)
    assert layout.web == (8001, 8002) and layout.rasa == (5006, 5007) and layout.actions == (5056, 5057)
    assert layout.redis == 6379


def test_each_instance_listens_on_its_own_port_and_reaches_the_others_through_nginx(cluster: Cluster) -> None:
    web = cluster.instance_settings("web", 2).servers
    assert web.web_port == 8002 and web.rasa_url == "http://127.0.0.1:5005" and web.action_url.endswith(":5055")
    rasa = cluster.instance_settings("rasa", 1).servers
    assert rasa.rasa_port == 5006 and rasa.action_port == 5055  # Rasa's action endpoint is nginx
    assert rasa.rasa_endpoints == CLUSTER_ENDPOINTS and rasa.redis_port == 6379
    actions = cluster.instance_settings("actions", 2).servers
    assert actions.action_port == 5057 and actions.rasa_port == 5005
    shared = cluster.instance_settings("web", 1)
    assert shared.records.db_url.endswith("/servicedesk") and shared.records.var_dir == cluster.folder / "records"
    assert shared.servers.trusted_proxies  # X-Forwarded-For from nginx is honoured
    # the records' tracker access (data-subject requests, retention) follows the shared tracker store
    assert tracker_url(shared) == cluster._urls["tracker"]
    assert tracker_url(Settings.load(env={}, dotenv=ROOT / "none.env")).startswith("sqlite:///")


def test_the_nginx_config_is_rendered_with_every_port_and_nothing_left_open(cluster: Cluster, tmp_path: Path) -> None:
    nginx = Nginx(tmp_path / "nginx", tmp_path / "logs")
    main = nginx.render(cluster.layout.nginx_ports())
    text = main.read_text() + (main.parent / "servicedesk.conf").read_text()
    assert "@" not in re.sub(r"#.*", "", text)
    for port in (8000, 8001, 8002, 5005, 5006, 5007, 5055, 5056, 5057):
        assert f"127.0.0.1:{port}" in text, port
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "max_fails=1 fail_timeout=10s" in text
    assert f"include {tmp_path / 'nginx'}/servicedesk.conf;" in text


def test_a_placeholder_without_a_value_is_refused() -> None:
    with pytest.raises(KeyError, match="WEB_2"):
        render((NGINX_TEMPLATES / "servicedesk.conf").read_text(), {"WEB_1": 1})


def test_restart_takes_one_known_part_of_a_running_cluster(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["restart"]) == 2 and main(["restart", "nginx"]) == 2
    assert "usage: python -m scripts.cluster restart {rasa|actions|web|redis|postgres} [N]" in capsys.readouterr().err
    idle = Cluster(Settings.load(env={}, dotenv=tmp_path / "none.env"), tmp_path, Layout.free())
    assert restart_part(idle, "web", 1) == 1 and "No cluster runs here" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown part 'nginx'"):
        idle.restart("nginx")


def test_attach_finds_a_crashed_postgresql_and_keeps_the_other_runs_pids(cluster: Cluster, tmp_path: Path) -> None:
    """After a kill -9 the pid file stays: its port is the one to start on again; the state keeps every pid."""
    pg = tmp_path / "pg"
    (pg / "data").mkdir(parents=True)
    dead = 2**22 + 7  # above Linux's largest pid: no such process
    (pg / "data" / "postmaster.pid").write_text(f"{dead}\n{pg / 'data'}\n1700000000\n6544\n{pg}\n127.0.0.1\n")
    (pg / "role-servicedesk.pw").write_text("pw")
    cluster.state_file.write_text(json.dumps({"pids": {"nginx": 11, "web-1": 12}, "pg": str(pg)}))
    cluster.attach()
    assert cluster.pg is not None and not cluster.pg.running() and cluster.pg.port == 6544
    assert cluster.variables()["SERVICEDESK_DATABASE_URL"].endswith("@127.0.0.1:6544/servicedesk")
    cluster._add("web-1", cast(subprocess.Popen, SimpleNamespace(pid=99)))  # only its pid is saved
    assert json.loads(cluster.state_file.read_text())["pids"] == {"nginx": 11, "web-1": 99}


def test_nginx_leaves_out_a_web_service_only_when_it_refuses_or_times_out() -> None:
    """A web service's own 502/503 (Rasa unreachable, database restarting) is passed on: counting it as a failure
    took both web services out for fail_timeout after a PostgreSQL restart (tests/cluster/test_faults.py)."""
    servers = (NGINX_TEMPLATES / "servicedesk.conf").read_text().split("\nserver {")[1:]
    retries = {s.split("listen ", 1)[1].split(";")[0]: re.findall(r"proxy_next_upstream ([^;]+);", s) for s in servers}
    assert retries == {
        "@PUBLIC_HOST@:@PUBLIC_PORT@": ["error timeout"],
        "127.0.0.1:@RASA_PROXY@": ["error timeout http_502 http_503"],
        "127.0.0.1:@ACTION_PROXY@": ["error timeout http_502 http_503"],
    }
