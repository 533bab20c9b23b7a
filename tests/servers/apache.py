"""A real Apache httpd with mod_dav (Debian's ``apache2-bin``), for the file-store contract.

Started once per test session from a private configuration of its own: nothing of the
system's Apache (``/etc/apache2``, its sites, its service) is read or touched. It listens on
127.0.0.1 on a free port, serves ``/dav/`` from a temporary folder with Basic auth from an
htpasswd file made by ``htpasswd`` (``apache2-utils``), and keeps mod_dir's default
``DirectorySlash On``: a folder asked for without its trailing slash answers
``301 Moved Permanently``, as on a stock server.

As root, httpd refuses to serve as root: its workers run as ``www-data`` (or ``nobody``), so
the served folder and the lock database belong to that user. pytest's own temporary folders
are private to root (0700), which such a worker cannot enter: the server's folder is a
``mkdtemp`` of its own under the system's temporary directory, removed at the end.

apache2      session-scoped: the running server (an ``EmbeddedServer``; ``url`` ends ``/dav``)
apache_store function-scoped: a ``WebDavStore`` rooted in a folder of its own on it
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from connectors.files.webdav import WebDavStore
from hub.embedded.process import EmbeddedServer, free_port, spawn
from tests.servers.wsgidav import fresh_store

HTTPD = Path("/usr/sbin/apache2")
HTPASSWD = Path("/usr/bin/htpasswd")
MODULES = Path("/usr/lib/apache2/modules")
USERNAME = "entente"
PASSWORD = "apache-test-password"  # a test value
MISSING = (
    "Apache httpd with mod_dav is needed for the file-store contract: "
    "apt-get install apache2-bin apache2-utils (.ci/run does)"
)

_MODULES = (
    "mpm_event",
    "authn_core",
    "authn_file",
    "authz_core",
    "authz_user",
    "auth_basic",
    "alias",
    "dir",
    "mime",
    "dav",
    "dav_fs",
)

CONFIG = """\
ServerRoot "{root}"
DefaultRuntimeDir "{root}/run"
PidFile "{root}/run/httpd.pid"
Mutex file:{root}/run
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
{user}
{modules}
ErrorLog "{root}/error.log"
LogLevel warn
TypesConfig /etc/mime.types
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
DAVLockDB "{root}/lock/DavLock"
Alias /dav "{root}/files"
<Directory />
    Require all denied
    AllowOverride None
</Directory>
<Directory "{root}/files">
    Dav On
    Options None
    AuthType Basic
    AuthName "Entente tests"
    AuthBasicProvider file
    AuthUserFile "{root}/htpasswd"
    Require valid-user
</Directory>
"""


def _worker_user() -> pwd.struct_passwd | None:
    """Who httpd's workers run as when started by root (None: as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user (www-data, nobody) for httpd's workers")


def start_apache(root: Path) -> EmbeddedServer:
    """Write the configuration under ``root`` and start httpd in the foreground."""
    for folder in ("files", "lock", "run"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(HTPASSWD), "-cbB", str(root / "htpasswd"), USERNAME, PASSWORD],
        check=True,
        capture_output=True,
    )
    worker = _worker_user()
    user = ""
    if worker is not None:
        group = worker.pw_gid
        user = f"User #{worker.pw_uid}\nGroup #{group}"
        for path in (root / "files", root / "lock", root / "htpasswd"):
            os.chown(path, worker.pw_uid, group)
        root.chmod(0o755)
    port = free_port()
    modules = "\n".join(
        f'LoadModule {name}_module "{MODULES / f"mod_{name}.so"}"' for name in _MODULES
    )
    config = root / "httpd.conf"
    config.write_text(CONFIG.format(root=root, port=port, user=user, modules=modules))
    process = spawn(
        [str(HTTPD), "-f", str(config), "-DFOREGROUND"],
        host="127.0.0.1",
        port=port,
        log_path=root / "console.log",
    )
    return EmbeddedServer(
        name="apache",
        url=f"http://127.0.0.1:{port}/dav",
        username=USERNAME,
        password=PASSWORD,
        process=process,
        log_path=root / "error.log",
    )


def apache_available() -> bool:
    return HTTPD.exists() and HTPASSWD.exists() and (MODULES / "mod_dav_fs.so").exists()


@pytest.fixture(scope="session")
def apache2() -> Iterator[EmbeddedServer]:
    if not apache_available():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    root = Path(tempfile.mkdtemp(prefix="entente-apache-"))
    server = start_apache(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def apache_store(apache2: EmbeddedServer) -> AsyncIterator[WebDavStore]:
    async with fresh_store(apache2) as store:
        yield store
