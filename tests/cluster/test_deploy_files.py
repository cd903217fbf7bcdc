"""The deployment files are loadable: the systemd unit templates (``systemd-analyze verify``) and nginx's config.

The units name /opt/servicedesk; the check runs them from this checkout instead (verify wants the executables),
as instance 1. They are not started here: no systemd runs on these machines.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.cluster import Cluster
from scripts.cluster_services import Nginx
from settings import ROOT

pytestmark = pytest.mark.integration
UNITS = ROOT / "deploy" / "systemd"


def test_the_unit_templates_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze not found (Debian's package systemd): the unit templates cannot be checked")
    names = []
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/opt/servicedesk", str(ROOT))
        name = unit.name.replace("@.", "@1.")
        (tmp_path / name).write_text(text)
        names.append(f"./{name}")
    assert sorted(names) == [
        "./servicedesk-actions@1.service",
        "./servicedesk-rasa@1.service",
        "./servicedesk-web@1.service",
        "./servicedesk.target",
    ]
    done = subprocess.run(
        [analyze, "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"SYSTEMD_LOG_LEVEL": "notice", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_the_rendered_nginx_config_passes_nginx_t(cluster: Cluster, tmp_path: Path) -> None:
    """The cluster ran it already; here nginx itself is asked once more, on a fresh rendering."""
    nginx = Nginx(tmp_path / "nginx", tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    nginx.check(nginx.render(cluster.layout.nginx_ports()))
