"""A real Keycloak for the test session, with the shipped realm imported.

keycloak_server   session-scoped: Keycloak's own server distribution, started once with
                  ``kc.sh start-dev`` on free loopback ports, its own home and data folder
                  under the session's temporary folder, killed with the session. The realm is
                  ``deploy/keycloak/entente-realm.json`` as shipped, its CHANGE-ME
                  placeholders filled by the test: a realm file real Keycloak refuses fails
                  the run. Its SMTP server is a local sink (``keycloak_server.mail``).

The distribution comes from Maven Central (``mvn dependency:copy`` of
``org.keycloak:keycloak-quarkus-dist:VERSION:zip``) into ``~/.cache/entente/keycloak``, is
unpacked there once, and the Quarkus build Keycloak makes for these start options on its
first start is kept there too, so later sessions skip it. Nothing but Maven Central and
loopback is reached.

In CI (``CI`` set) a Keycloak that cannot be fetched or started fails the tests that need
it; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from keycloak import KeycloakAdmin

from hub.embedded.process import free_port
from tests.servers.mail import MailSink, mail_sink

# The one place Keycloak's version is pinned (served by Maven Central: 26.4.0 to 26.7.3).
KEYCLOAK_VERSION = "26.7.3"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{KEYCLOAK_VERSION}:zip"
CACHE = Path(os.environ.get("ENTENTE_CACHE", Path.home() / ".cache" / "entente")) / "keycloak"
REALM_FILE = Path(__file__).resolve().parents[2] / "deploy" / "keycloak" / "entente-realm.json"
REALM = "entente"
CLIENT_ID = "entente-hub"
# Test values only: the bootstrap admin and the secrets put in place of the placeholders.
ADMIN_USERNAME = "kc-bootstrap-admin"
ADMIN_PASSWORD = "kc-bootstrap-admin-test-only"
CLIENT_SECRET = "entente-hub-test-only-secret"
START_TIMEOUT = float(os.environ.get("HUB_TEST_KEYCLOAK_TIMEOUT", "300"))
# Build-time options: changing one makes Keycloak rebuild (and the cached build is replaced).
BUILD_OPTIONS = ("--db=dev-mem", "--health-enabled=true")

START_SECONDS: list[float] = []


class KeycloakUnavailable(Exception):
    """Keycloak could not be fetched or started here."""


@dataclass
class KeycloakServer:
    url: str
    realm: str
    client_id: str
    client_secret: str = field(repr=False)
    admin_username: str
    admin_password: str = field(repr=False)
    hub_url: str
    mail: MailSink
    dead_port: int
    start_seconds: float
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path

    _admin: KeycloakAdmin | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.realm}"

    @property
    def admin(self) -> KeycloakAdmin:
        """python-keycloak's admin client on the realm, signed in as the bootstrap admin."""
        if self._admin is None:
            self._admin = KeycloakAdmin(
                server_url=self.url + "/",
                username=self.admin_username,
                password=self.admin_password,
                realm_name=self.realm,
                user_realm_name="master",
                timeout=60,
            )
        return self._admin

    def close_admin(self) -> None:
        """Let the admin client's connections go now, not at interpreter exit (where closing
        them fails with an ImportError)."""
        self._admin = None
        gc.collect()

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def _run(args: list[str], what: str, timeout: float = 600) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KeycloakUnavailable(f"{what}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise KeycloakUnavailable(f"{what} failed: {' / '.join(tail)}")


def distribution() -> Path:
    """The unpacked distribution in the cache, fetched and unpacked on first use."""
    home = CACHE / f"keycloak-{KEYCLOAK_VERSION}"
    if (home / "bin" / "kc.sh").exists():
        return home
    if shutil.which("java") is None or shutil.which("mvn") is None:
        raise KeycloakUnavailable("Keycloak needs java and mvn (Debian: default-jdk maven)")
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"keycloak-quarkus-dist-{KEYCLOAK_VERSION}.zip"
    if not archive.exists():
        _run(
            ["mvn", "-B", "-q", "dependency:copy", f"-Dartifact={ARTIFACT}",
             f"-DoutputDirectory={CACHE}"],
            f"mvn dependency:copy {ARTIFACT}",
        )  # fmt: skip
    staging = CACHE / f".unpacking-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.unpack_archive(archive, staging, "zip")
    unpacked = staging / f"keycloak-{KEYCLOAK_VERSION}"
    for script in (unpacked / "bin").glob("*.sh"):
        script.chmod(0o755)
    with contextlib.suppress(OSError):  # another session may have won the race
        unpacked.rename(home)
    shutil.rmtree(staging, ignore_errors=True)
    return home


def _built_cache() -> Path:
    return CACHE / f"keycloak-{KEYCLOAK_VERSION}-build" / "quarkus"


def private_home(target: Path) -> Path:
    """A home of the session's own: the distribution's jars linked (read only), its Quarkus
    build copied (Keycloak rewrites it), conf/ and data/ its own."""
    source = distribution()
    shutil.copytree(source, target, copy_function=os.link, symlinks=True)
    quarkus = target / "lib" / "quarkus"
    shutil.rmtree(quarkus)
    built = _built_cache()
    shutil.copytree(built if built.exists() else source / "lib" / "quarkus", quarkus)
    shutil.rmtree(target / "conf")
    shutil.copytree(source / "conf", target / "conf")
    return target


def keep_build(home: Path) -> None:
    """Keep Keycloak's build for our options, so the next session does not redo it."""
    built = _built_cache()
    if built.exists():
        return
    staging = built.with_name(f".build-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(home / "lib" / "quarkus", staging)
    with contextlib.suppress(OSError):
        built.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(built)
    shutil.rmtree(staging, ignore_errors=True)


def filled_realm(hub_url: str, smtp_port: int) -> dict[str, object]:
    """The shipped realm with its placeholders filled for this test run."""
    text = REALM_FILE.read_text(encoding="utf-8")
    text = text.replace("CHANGE-ME-entente-hub-client-secret", CLIENT_SECRET)
    text = text.replace("CHANGE-ME-nextcloud-client-secret", "nextcloud-test-only-secret")
    text = text.replace("https://hub.example.org", hub_url)
    text = text.replace("https://cloud.example.org", "http://127.0.0.1:9")
    realm: dict[str, object] = json.loads(text)
    # The mail server: the local sink, on loopback, without TLS or a login.
    realm["smtpServer"] = {
        **realm["smtpServer"],  # type: ignore[dict-item]
        "host": "127.0.0.1",
        "port": str(smtp_port),
        "starttls": "false",
        "auth": "false",
        "user": "",
        "password": "",
    }
    leftover = [k for k in json.dumps(realm).split('"') if "CHANGE-ME" in k]
    assert not leftover, f"placeholders left in the realm: {leftover}"
    return realm


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def start_keycloak(workdir: Path, mail: MailSink) -> KeycloakServer:
    home = private_home(workdir / "keycloak")
    port, management = free_port(), free_port()
    hub_url = f"http://127.0.0.1:{free_port()}"
    imports = home / "data" / "import"
    imports.mkdir(parents=True)
    realm = filled_realm(hub_url, mail.port)
    (imports / "entente-realm.json").write_text(json.dumps(realm), encoding="utf-8")
    log_path = workdir / "keycloak.log"
    env = {
        **os.environ,
        "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USERNAME,
        "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "JAVA_OPTS_APPEND": "-Xms128m -Xmx768m",
    }
    args = [
        str(home / "bin" / "kc.sh"), "start-dev", *BUILD_OPTIONS, "--import-realm",
        "--http-host=127.0.0.1", f"--http-port={port}", f"--http-management-port={management}",
        "--log-level=WARN,org.keycloak.services:INFO,io.quarkus:INFO",
    ]  # fmt: skip
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    server = KeycloakServer(
        url, REALM, CLIENT_ID, CLIENT_SECRET, ADMIN_USERNAME, ADMIN_PASSWORD, hub_url, mail,
        free_port(), 0.0, process, log_path,
    )  # fmt: skip
    discovery = f"{server.issuer}/.well-known/openid-configuration"
    deadline = started + START_TIMEOUT
    while not _ready(discovery):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            tail = log_path.read_text(errors="replace").strip().splitlines()[-8:]
            raise KeycloakUnavailable(
                f"Keycloak did not serve the realm (exit {process.returncode}): " + " / ".join(tail)
            )
        time.sleep(0.5)
    server.start_seconds = time.monotonic() - started
    START_SECONDS.append(server.start_seconds)
    keep_build(home)
    return server


@pytest.fixture(scope="session")
def keycloak_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeycloakServer]:
    with mail_sink() as mail:
        reused = _reused(mail)
        if reused is not None:
            yield reused
            reused.close_admin()
            return
        try:
            server = start_keycloak(tmp_path_factory.mktemp("keycloak"), mail)
        except KeycloakUnavailable as exc:
            if os.environ.get("CI"):
                pytest.fail(f"a real Keycloak is required in CI: {exc}")
            pytest.skip(f"no real Keycloak here: {exc}")
        try:
            yield server
        finally:
            server.close_admin()
            server.stop()


# -- a Keycloak kept running between test runs, while working on the tests ---------------------
#
#     .venv/bin/python -m tests.servers.keycloak /tmp/kc.json      # leave it running
#     ENTENTE_KEYCLOAK=/tmp/kc.json .venv/bin/pytest tests/keycloak
#
# The running server sends its mail to the sink of the run that uses it (realm updated).


def _reused(mail: MailSink) -> KeycloakServer | None:
    state = os.environ.get("ENTENTE_KEYCLOAK")
    if not state:
        return None
    saved = json.loads(Path(state).read_text(encoding="utf-8"))
    process = subprocess.Popen(["sleep", "infinity"], start_new_session=True)
    server = KeycloakServer(
        saved["url"], REALM, CLIENT_ID, CLIENT_SECRET, ADMIN_USERNAME, ADMIN_PASSWORD,
        saved["hub_url"], mail, free_port(), 0.0, process, Path(saved["log"]),
    )  # fmt: skip
    admin = server.admin
    smtp = dict(admin.get_realm(REALM)["smtpServer"])
    admin.update_realm(REALM, {"smtpServer": {**smtp, "port": str(mail.port)}})
    return server


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for seconds in START_SECONDS:
        terminalreporter.write_line(
            f"Keycloak {KEYCLOAK_VERSION} started in {seconds:.1f} s (realm imported)"
        )


if __name__ == "__main__":
    import sys
    import tempfile

    with mail_sink() as sink:
        running = start_keycloak(Path(tempfile.mkdtemp(prefix="keycloak-")), sink)
        Path(sys.argv[1]).write_text(
            json.dumps(
                {"url": running.url, "hub_url": running.hub_url, "log": str(running.log_path)}
            ),
            encoding="utf-8",
        )
        print(f"Keycloak at {running.url} (started in {running.start_seconds:.0f} s)", flush=True)
        try:
            running.process.wait()
        finally:
            running.stop()
