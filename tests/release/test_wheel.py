"""The release as it ships: a wheel built from the checkout, installed from the lock into a
fresh virtual environment outside the repository, run from a folder that knows nothing of
the source tree. This is what `deploy/Dockerfile` does; it proves the wheel holds every file
the hub reads (templates, static files, migrations, catalogues, the portal's operations).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.embedded.process import free_port
from tests.test_demo import wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "wheel-test-only-password"  # a test value


def uv() -> str:
    found = os.environ.get("ENTENTE_UV") or shutil.which("uv")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("uv is needed to build the wheel (make test sets ENTENTE_UV)")
        pytest.skip("uv not found: run through `make test`")
    return found


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> str:
    done = subprocess.run(
        list(args), cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding the wheel and exactly the locked runtime dependencies
    (with the embedded servers, which `hub serve` starts here); its bin folder."""
    work = tmp_path_factory.mktemp("release")
    assert ROOT not in work.parents
    tool = uv()
    run(tool, "build", "--wheel", "--out-dir", str(work / "dist"), "--quiet", cwd=ROOT)
    wheel = next((work / "dist").glob("entente-*.whl"))
    requirements = work / "requirements.txt"
    run(
        tool, "export", "--frozen", "--no-dev", "--extra", "embedded", "--no-emit-project",
        "--format", "requirements-txt", "--quiet", "--output-file", str(requirements), cwd=ROOT,
    )  # fmt: skip
    assert "--hash=sha256:" in requirements.read_text()
    venv = work / "venv"
    run(
        tool,
        "venv",
        "--quiet",
        "--python",
        os.environ.get("PYTHON", "python3"),
        str(venv),
        cwd=work,
    )
    python = str(venv / "bin" / "python")
    run(tool, "pip", "install", "--quiet", "--python", python, "--require-hashes",
        "-r", str(requirements), cwd=work)  # fmt: skip
    run(tool, "pip", "install", "--quiet", "--python", python, "--no-deps", str(wheel), cwd=work)
    return venv / "bin"


def clean_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUB_", "VIRTUAL_ENV", "PYTHON")) and k != "PATH"
    }
    return {
        **env,
        "PATH": "/usr/bin:/bin",
        "HUB_DATA_DIR": str(data_dir),
        "HUB_PORT": str(port),
        "HUB_LOG_LEVEL": "warning",
    }


def test_the_wheel_holds_the_portal_operations_and_no_link(installed: Path) -> None:
    site = next(installed.parent.glob("lib/python*/site-packages"))
    operations = site / "hub" / "portal" / "operations"
    assert not operations.is_symlink()
    assert {p.name for p in operations.glob("*.graphql")} == {
        p.name for p in (ROOT / "graphql" / "operations" / "portal").glob("*.graphql")
    }
    # graphql-core's own package is not touched by ours.
    assert not (site / "graphql" / "operations").exists()


@pytest.fixture
def served(installed: Path, tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    work = tmp_path / "elsewhere"
    work.mkdir()
    port = free_port()
    env = clean_env(work / "data", port)
    hub = str(installed / "hub")
    run(hub, "migrate", cwd=work, env=env)
    created = run(hub, "create-admin", "marie", "marie@agglo.example", "--password-stdin",
                  cwd=work, env=env, stdin=PASSWORD + "\n")  # fmt: skip
    assert "marie" in created
    process = subprocess.Popen(
        [hub, "serve"], cwd=work, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_until_serving(process, port)  # type: ignore[arg-type]
        yield port, {**env, "_WORK": str(work), "_HUB": hub}
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        assert "Traceback" not in output, output


def test_the_installed_wheel_serves_sign_in_portal_and_graphql(
    served: tuple[int, dict[str, str]],
) -> None:
    port, env = served
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        page = http.get("/auth/login")
        assert page.status_code == 200
        assert 'name="password"' in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, page.text
        signed = http.post(
            "/auth/login",
            data={"username": "marie", "password": PASSWORD, "csrf": csrf.group(1), "next": "/"},
        )
        assert signed.status_code == 303, signed.text
        home = http.get("/")
        assert home.status_code == 200
        assert "marie" in home.text
        styles = http.get("/static/portal.css")
        assert styles.status_code == 200 and styles.text.strip()
        towns = http.get("/admin")
        assert towns.status_code == 200, towns.text[:500]

    bearer = run(env["_HUB"], "token", "marie", cwd=Path(env["_WORK"]), env=env).strip()
    answer = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": "{ me { person { username } hubAdmin } }"},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=10,
    )
    assert answer.json() == {"data": {"me": {"person": {"username": "marie"}, "hubAdmin": True}}}
