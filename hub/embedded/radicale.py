"""Run the real Radicale CalDAV server as a child process, for a town without a Nextcloud.

Everything lives under ``data_dir``: the generated config file, the collections, the htpasswd
file, the generated password (``radicale.secret``, mode 0600) and ``radicale.log``. A second
start on the same ``data_dir`` reuses the data and the credentials.

The htpasswd file holds a SHA-512-crypt hash (``$6$``), which Radicale 3.9 verifies with
passlib/libpass, its own dependency: no extra package. The hash uses the sha-crypt default of
5 000 rounds instead of passlib's 656 000 because the password is a 144-bit random secret, not
something a person chose: slow hashing adds nothing against guessing it, and would cost ~0.3 s
of CPU on each uncached login. ``cache_logins`` keeps a successful login for 15 s anyway.

Radicale delays every refused request on purpose (``[auth] delay``, ``failed_login_delay``
here, 1 s by default, randomised to 0.5-1.5x): a wrong password waits that long before its
401, and so does any 403, including the one refusing a stale sync-token. Tests lower it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hub.embedded.process import EmbeddedServer, free_port, spawn, stored_secret

USERNAME = "entente"
_SHA_CRYPT_ROUNDS = 5000


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by this user only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _htpasswd_line(username: str, password: str, path: Path) -> str:
    """Keep the existing hash when it still matches, so a restart does not rewrite the file."""
    # Imported here: passlib comes with the `embedded` extra, which production may not have.
    from passlib.hash import sha512_crypt  # type: ignore[import-untyped]

    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, digest = line.partition(":")
            if name == username and digest and sha512_crypt.verify(password, digest):
                return line + "\n"
    digest = sha512_crypt.using(rounds=_SHA_CRYPT_ROUNDS).hash(password)
    return f"{username}:{digest}\n"


def _config(host: str, port: int, data_dir: Path, htpasswd: Path, delay: float) -> str:
    return f"""\
[server]
hosts = {host}:{port}

[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = sha512
cache_logins = true
delay = {delay}

[rights]
type = owner_only

[storage]
filesystem_folder = {data_dir / "collections"}

[web]
type = none

[logging]
# warnings and errors only: at info Radicale writes lines for every request, which on a
# busy agenda cost its single process a share of each REPORT (the hub logs its own calls)
level = warning
mask_passwords = true
"""


def start_radicale(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    failed_login_delay: float = 1.0,
    ready_timeout: float = 30.0,
) -> EmbeddedServer:
    """Start Radicale on ``host:port`` (a free port if None) and wait until it listens."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port if port is not None else free_port(host)
    password = stored_secret(data_dir / "radicale.secret")
    htpasswd = data_dir / "htpasswd"
    _write_private(htpasswd, _htpasswd_line(USERNAME, password, htpasswd))
    config_path = data_dir / "radicale.conf"
    _write_private(config_path, _config(host, port, data_dir, htpasswd, failed_login_delay))
    log_path = data_dir / "radicale.log"
    process = spawn(
        [sys.executable, "-m", "hub.embedded.radicale_server", str(config_path), host, str(port)],
        host=host,
        port=port,
        log_path=log_path,
        ready_timeout=ready_timeout,
    )
    return EmbeddedServer(
        name="radicale",
        url=f"http://{host}:{port}/",
        username=USERNAME,
        password=password,
        process=process,
        log_path=log_path,
    )
