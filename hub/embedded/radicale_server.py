"""The embedded Radicale's WSGI application served by cheroot (``python -m`` this module).

Radicale's own server answers in HTTP/1.0 and closes the connection after every response, so
each sync REPORT of the agenda opened a new TCP connection: about 1.3 ms of the hub's CPU and
a share of Radicale's single process each time (README "Scale"). Radicale is a WSGI
application and its documentation runs it under other WSGI servers; cheroot, which already
serves the embedded WsgiDAV, keeps connections open (HTTP/1.1) and answers from a pool of
threads, as Radicale's own threaded server did. The configuration file is Radicale's own.

    python -m hub.embedded.radicale_server CONFIG HOST PORT
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from cheroot import wsgi
from radicale import config, log
from radicale.app import Application

# Radicale's own server accepts 8 connections at once by default
THREADS = 8
# cheroot's listen backlog defaults to 5 (a burst of connects then loses SYNs)
BACKLOG = 128


def main(argv: list[str]) -> None:
    path, host, port = argv[0], argv[1], int(argv[2])
    log.setup()
    configuration = config.load([(path, False)])
    log.set_level(
        configuration.get("logging", "level"),
        configuration.get("logging", "backtrace_on_debug"),
        configuration.get("logging", "trace_filter"),
    )
    server = wsgi.Server(
        (host, port),
        Application(configuration),
        numthreads=THREADS,
        request_queue_size=BACKLOG,
        # connections kept open by clients must not hold a stop for long
        shutdown_timeout=1,
    )

    def stop(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # safe_start stops the server on it, from its own loop

    signal.signal(signal.SIGTERM, stop)
    server.safe_start()


if __name__ == "__main__":
    main(sys.argv[1:])
