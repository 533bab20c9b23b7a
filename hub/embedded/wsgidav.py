"""Run the real WsgiDAV (cheroot) as a child process: the hub's built-in file store.

Layout under ``data_dir``: ``files/`` (the served folder), ``wsgidav.json`` (config, rewritten
on each start), ``wsgidav.password`` (generated once, 0600), ``wsgidav.log``. A restart serves
the same files with the same credentials.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hub.embedded.process import EmbeddedServer, free_port, spawn, stored_secret

USERNAME = "entente"


def write_config(data_dir: Path, *, host: str, port: int, password: str) -> Path:
    """Write the WsgiDAV config: one share at ``/``, basic auth only, no HTML browser."""
    files = data_dir / "files"
    files.mkdir(parents=True, exist_ok=True)
    config = {
        "host": host,
        "port": port,
        "server": "cheroot",
        # cheroot's listen backlog defaults to 5: a burst of 32 connects then loses SYNs and
        # waits 1 s for the retransmit
        "server_args": {"request_queue_size": 128},
        "provider_mapping": {"/": str(files)},
        "http_authenticator": {
            "domain_controller": None,
            # basic only: digest would cost a second round trip on every request
            "accept_basic": True,
            "accept_digest": False,
            "default_to_digest": False,
        },
        "simple_dc": {"user_mapping": {"*": {USERNAME: {"password": password}}}},
        "dir_browser": {"enable": False},
        "verbose": 2,
        "logging": {"enable_loggers": []},
        "lock_storage": True,
        "property_manager": True,
    }
    path = data_dir / "wsgidav.json"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return path


def start_wsgidav(
    data_dir: Path, *, host: str = "127.0.0.1", port: int | None = None
) -> EmbeddedServer:
    """Start WsgiDAV on ``host:port`` (a free port if None) and wait until it listens."""
    data_dir = data_dir.resolve()  # WsgiDAV reads relative paths against its config file
    data_dir.mkdir(parents=True, exist_ok=True)
    password = stored_secret(data_dir / "wsgidav.password")
    port = port or free_port(host)
    config = write_config(data_dir, host=host, port=port, password=password)
    log_path = data_dir / "wsgidav.log"
    process = spawn(
        [sys.executable, "-m", "wsgidav.server.server_cli", "--config", str(config)],
        host=host,
        port=port,
        log_path=log_path,
    )
    return EmbeddedServer(
        name="wsgidav",
        url=f"http://{host}:{port}",
        username=USERNAME,
        password=password,
        process=process,
        log_path=log_path,
    )
