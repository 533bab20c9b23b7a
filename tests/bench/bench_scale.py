"""A whole département on one node: the territory built through the API, then the hub's hot
queries measured side by side with a bare FastAPI endpoint, with 1 and 2 worker processes.

    .venv/bin/python -m tests.bench scale [--quick] [--database postgresql|sqlite|both]
                                          [--workers 1,2] [--seconds 10] [--hold]

Real servers: the embedded Radicale (CalDAV) and WsgiDAV (WebDAV), started once; the directory
is the hub's own (``LocalDirectory``, embedded mode). Each database gets a fresh one: a new
PostgreSQL database on the test server (``HUB_TEST_DATABASE_URL``, ``.ci/services`` starts
it when run as root) or an SQLite file. Then, through ``hub serve`` over HTTP:

build     1 000 towns with ``provisionTown`` (directory, files folder, calendar), 20 ``addStaff``
          per town (20 000 people), a pooled manager in 10 towns, and a week of events in
          those 10 towns (5 a town) written with ``createEvent``; 8 calls in flight, each call
          timed (towns/s, people/s, p99)
measure   for each worker count, each case runs ``--seconds`` with 8 requests in flight:
          the bare endpoint (``tests/bench/bare_app.py``: FastAPI + uvicorn answering the very
          JSON the hub gave for ``me``), the hub's ``me`` for one of the staff, ``me`` for the
          manager (10 towns), ``towns`` for the hub admin (all 1 000, and a page of 50), and the
          manager's week ``agenda`` over the 10 towns (8 at once reading the same calendars).

``--quick`` builds 40 towns × 5 people and measures 3 s a case (development). ``--hold`` keeps
the hub running after the build and prints how to reach it (for a profiler), until Enter.
Prints one markdown table per database, against the targets of issue 14.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from hub.embedded.process import free_port
from hub.embedded.radicale import start_radicale
from hub.embedded.wsgidav import start_wsgidav

ROOT = Path(__file__).resolve().parents[2]
CONCURRENCY = 8
WEEK = ("2026-11-16T00:00:00+01:00", "2026-11-23T00:00:00+01:00")

PROVISION = """mutation P($slug: String!, $name: String!, $insee: String!) {
  provisionTown(input: {slug: $slug, name: $name, inseeCode: $insee}) {
    slug provisioning { state } } }"""
ADD_STAFF = "mutation A($input: AddStaffInput!) { addStaff(input: $input) { id } }"
CREATE_EVENT = "mutation E($input: EventInput!) { createEvent(input: $input) { id } }"
ME = """query Me { me { hubAdmin person { id username displayName email }
  memberships { role share town { slug name } } } }"""
TOWNS = "query Towns { towns { slug name inseeCode provisioning { state } } }"
TOWNS_PAGE = """query TownsPage { townsPage(first: 50) {
  towns { slug name inseeCode provisioning { state } } next total } }"""
AGENDA = """query Agenda($start: DateTime!, $end: DateTime!) { agenda(start: $start, end: $end) {
  events { id title start end town { slug } people { username } }
  conflicts { person { username } } errors { code message } } }"""


@dataclass(frozen=True)
class Size:
    towns: int
    staff: int
    seconds: float
    manager_towns: int = 10
    events_per_town: int = 5


FULL = Size(towns=1000, staff=20, seconds=10)
QUICK = Size(towns=40, staff=5, seconds=3)


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    first_error: str = ""
    cpu: float = 0.0  # the server's CPU seconds over the run

    @property
    def cpu_per_call(self) -> float:
        return self.cpu / len(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


Call = Callable[[aiohttp.ClientSession], Awaitable[None]]


async def timed_calls(http: aiohttp.ClientSession, calls: Iterable[Call]) -> Stats:
    """Every call once, ``CONCURRENCY`` in flight, each timed."""
    stats = Stats()
    pending = iter(calls)

    async def worker() -> None:
        for call in pending:
            began = time.perf_counter()
            try:
                await call(http)
            except Exception as exc:
                stats.errors += 1
                stats.first_error = stats.first_error or repr(exc)[:300]
                continue
            stats.latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    stats.seconds = time.perf_counter() - began
    return stats


async def for_seconds(http: aiohttp.ClientSession, call: Call, seconds: float) -> Stats:
    """``call`` again and again for ``seconds``, ``CONCURRENCY`` in flight (after a warm-up)."""
    try:
        for _ in range(CONCURRENCY):
            await call(http)
    except Exception as exc:
        return Stats(errors=1, first_error=repr(exc)[:300])
    deadline = time.perf_counter() + seconds

    def calls() -> Iterable[Call]:
        while time.perf_counter() < deadline:
            yield call

    return await timed_calls(http, calls())


def graphql(url: str, query: str, variables: dict[str, Any] | None, token: str) -> Call:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def call(http: aiohttp.ClientSession) -> None:
        try:
            answer, status = await post(http)
        except aiohttp.ServerDisconnectedError:  # a kept-alive connection the server had closed
            answer, status = await post(http)
        # a GraphQL error, or a town's SourceError in the agenda (an empty list is fine)
        if status != 200 or b'"errors":[{' in answer:
            raise RuntimeError(f"{status}: {answer[:300]!r}")

    async def post(http: aiohttp.ClientSession) -> tuple[bytes, int]:
        async with http.post(url, data=body, headers=headers) as response:
            return await response.read(), response.status

    return call


async def ask(http: aiohttp.ClientSession, url: str, query: str, token: str) -> Any:
    for attempt in (1, 2):
        try:
            async with http.post(
                url, json={"query": query}, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                return await response.json()
        except aiohttp.ServerDisconnectedError:
            if attempt == 2:
                raise
    return None


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its living children (uvicorn's workers)."""
    total, parents = 0.0, {pid}
    for entry in sorted(Path("/proc").iterdir(), key=lambda p: p.name):
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) in parents or int(fields[1]) in parents:
            parents.add(int(entry.name))
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Process:
    """A server started for the benchmark, waited for on ``/healthz``, stopped at the end."""

    def __init__(self, command: list[str], env: dict[str, str], port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                assert self.process.stderr is not None
                raise RuntimeError(f"{command} exited: {self.process.stderr.read()[-2000:]!r}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{command} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Bench:
    size: Size
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def hub(self, workers: int) -> Process:
        port = free_port()
        # The daily round off: every hub started here would find the 1 000 towns due and
        # check them while the requests are measured (it is paced to a quarter of the
        # process while it runs, hub.drift.daily; once a day in production).
        env = {**self.env, "HUB_PORT": str(port), "HUB_RECONCILE_INTERVAL": "0"}
        command = [sys.executable, "-m", "hub.cli", "serve"]
        if workers > 1:
            command += ["--workers", str(workers)]
        return Process(command, env, port)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "hub.cli", *args],
            env=self.env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = self.cli("token", username)
        return self.tokens[username]

    def row(self, case: str, workers: int | str, stats: Stats, target: str) -> None:
        errors = f" ({stats.errors} errors: {stats.first_error})" if stats.errors else ""
        self.rows.append(
            (
                case,
                str(workers),
                f"{stats.rate:.0f}/s",
                f"{stats.percentile(0.5):.1f} ms",
                f"{stats.percentile(0.99):.1f} ms",
                f"{stats.cpu_per_call:.2f} ms",
                target + errors,
            )
        )

    async def build(self, hub: Process) -> None:
        size, url = self.size, f"{hub.url}/graphql"
        pid = hub.process.pid
        admin = self.token("admin")
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            provisions = [
                graphql(
                    url,
                    PROVISION,
                    {"slug": slug(t), "name": f"Commune {t:04d}", "insee": f"10{t:03d}"},
                    admin,
                )
                for t in range(size.towns)
            ]
            began = tree_cpu(pid)
            stats = await timed_calls(http, provisions)
            stats.cpu = tree_cpu(pid) - began
            if stats.errors:
                raise RuntimeError(f"provisionTown failed: {stats.first_error}")
            self.row(f"{size.towns} × provisionTown", 1, stats, "< 10 min in all")
            self.rows[-1] = (*self.rows[-1][:6], f"{stats.seconds:.0f} s in all; < 10 min")
            additions = [
                graphql(url, ADD_STAFF, {"input": staff(t, s)}, admin)
                for t in range(size.towns)
                for s in range(size.staff)
            ]
            began = tree_cpu(pid)
            stats = await timed_calls(http, additions)
            stats.cpu = tree_cpu(pid) - began
            if stats.errors:
                raise RuntimeError(f"addStaff failed: {stats.first_error}")
            self.row(f"{len(additions)} × addStaff", 1, stats, "≥ 200/s")
            manager = {
                "username": "gestionnaire",
                "displayName": "Camille Gestionnaire",
                "email": "gestionnaire@bench.example",
                "towns": [
                    {"town": slug(t), "role": "MANAGER", "share": 0.1}
                    for t in range(size.manager_towns)
                ],
            }
            await graphql(url, ADD_STAFF, {"input": manager}, admin)(http)
            found = await ask(http, url, "{ me { person { id } } }", self.token("gestionnaire"))
            manager_id = found["data"]["me"]["person"]["id"]
            events = [
                graphql(url, CREATE_EVENT, {"input": event(t, day, manager_id)}, admin)
                for t in range(size.manager_towns)
                for day in range(size.events_per_town)
            ]
            stats = await timed_calls(http, events)
            if stats.errors:
                raise RuntimeError(f"createEvent failed: {stats.first_error}")

    async def measure(self, workers: int, hub: Process, bare: Process) -> None:
        url, seconds = f"{hub.url}/graphql", self.size.seconds
        staff_token = self.token("agent-0000-00")
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            cases = [
                ("bare FastAPI, same JSON as `me`", f"{bare.url}/graphql", ME, None, staff_token),
                ("`me`, one of the staff", url, ME, None, staff_token),
                ("`me`, the manager (10 towns)", url, ME, None, self.token("gestionnaire")),
                ("`towns`, hub admin, all", url, TOWNS, None, self.token("admin")),
                ("`townsPage(first: 50)`, hub admin", url, TOWNS_PAGE, None, self.token("admin")),
                (
                    "week `agenda`, manager in 10 towns",
                    url,
                    AGENDA,
                    {"start": WEEK[0], "end": WEEK[1]},
                    self.token("gestionnaire"),
                ),
            ]
            bare_rate = 0.0
            for case, target_url, query, variables, token in cases:
                server = bare if target_url.startswith(bare.url) else hub
                began = tree_cpu(server.process.pid)
                stats = await for_seconds(
                    http, graphql(target_url, query, variables, token), seconds
                )
                stats.cpu = tree_cpu(server.process.pid) - began
                if target_url.startswith(bare.url):
                    bare_rate = stats.rate
                    target = "(the floor)"
                elif query is ME and token is staff_token:
                    ratio = stats.rate / bare_rate if bare_rate else 0.0
                    target = f"**{ratio:.3f}×** the bare endpoint; ≥ 0.25× (1 worker)"
                else:
                    target = {
                        ME: "p99 < 50 ms",
                        TOWNS: "p99 < 100 ms (or paged)",
                        TOWNS_PAGE: "p99 < 100 ms",
                        AGENDA: "p99 < 100 ms",
                    }[query]
                self.row(case, workers, stats, target)


def slug(town: int) -> str:
    return f"commune-{town:04d}"


def staff(town: int, n: int) -> dict[str, Any]:
    return {
        "username": f"agent-{town:04d}-{n:02d}",
        "displayName": f"Agent {n} de la commune {town}",
        "email": f"agent-{town:04d}-{n:02d}@bench.example",
        "towns": [{"town": slug(town), "role": "STAFF"}],
    }


def event(town: int, day: int, person: str) -> dict[str, Any]:
    date = f"2026-11-{16 + day:02d}"
    hour = 9 + town % 8
    return {
        "town": slug(town),
        "title": f"Permanence {day + 1}",
        "start": f"{date}T{hour:02d}:00:00+01:00",
        "end": f"{date}T{hour + 1:02d}:30:00+01:00",
        "location": "Mairie",
        "people": [person],
    }


async def _postgres_database() -> tuple[str, str]:
    from tests.support.services import ensure_test_services

    note = ensure_test_services()
    if not os.environ.get("HUB_TEST_DATABASE_URL"):
        raise SystemExit(f"no PostgreSQL for the benchmark: {note}")
    # imported once the variable is set: the module reads it when imported
    from tests.support.database import create_postgres_database

    url, name = await create_postgres_database()
    # No TLS on loopback, as the compose deployment talks to its PostgreSQL: Debian's server
    # offers TLS, which asyncpg takes by default, and which costs here ~40 µs of the hub's
    # CPU and ~140 µs of waiting per query while protecting nothing (README "Scale").
    return f"{url}?ssl=disable", name


def run_database(kind: str, size: Size, workers: list[int], hold: bool) -> list[tuple[str, ...]]:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp)
        caldav = start_radicale(root / "radicale", failed_login_delay=0.05)
        webdav = start_wsgidav(root / "webdav")
        name = None
        if kind == "postgresql":
            url, name = asyncio.run(_postgres_database())
        else:
            url = f"sqlite+aiosqlite:///{root / 'hub.sqlite3'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            HUB_DATA_DIR=str(root / "hub"),
            HUB_DATABASE_URL=url,
            HUB_LOG_LEVEL="warning",
            # the issuer of the tokens `hub token` signs, whichever port a hub is started on
            HUB_PUBLIC_URL="http://127.0.0.1",
            HUB_CALDAV_URL=f"{caldav.url.rstrip('/')}/{caldav.username}/",
            HUB_CALDAV_USERNAME=caldav.username,
            HUB_CALDAV_PASSWORD=caldav.password,
            HUB_WEBDAV_URL=webdav.url,
            HUB_WEBDAV_USERNAME=webdav.username,
            HUB_WEBDAV_PASSWORD=webdav.password,
        )
        bench = Bench(size, env)
        try:
            bench.cli("migrate")
            bench.cli("create-admin", "admin", "admin@bench.example")
            hub = bench.hub(1)
            try:
                began = time.perf_counter()
                asyncio.run(bench.build(hub))
                print(f"{kind}: territory built in {time.perf_counter() - began:.0f} s", flush=True)
                if hold:
                    _hold(bench, hub)
            finally:
                hub.stop()
            answer = asyncio.run(_answer(bench, workers[0]))
            (root / "me.json").write_text(json.dumps(answer))
            for count in workers:
                bare = Process(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "tests.bench.bare_app:app",
                        "--port",
                        str(port := free_port()),
                        "--workers",
                        str(count),
                        "--log-level",
                        "warning",
                    ],
                    {**env, "BENCH_BARE_JSON": str(root / "me.json")},
                    port,
                )
                hub = bench.hub(count)
                try:
                    asyncio.run(bench.measure(count, hub, bare))
                finally:
                    hub.stop()
                    bare.stop()
        finally:
            caldav.stop()
            webdav.stop()
            if name is not None:
                from tests.support.database import drop_postgres_database

                asyncio.run(drop_postgres_database(name))
    return bench.rows


async def _answer(bench: Bench, workers: int) -> Any:
    hub = bench.hub(workers)
    try:
        async with aiohttp.ClientSession() as http:
            return await ask(http, f"{hub.url}/graphql", ME, bench.token("agent-0000-00"))
    finally:
        hub.stop()


def _hold(bench: Bench, hub: Process) -> None:
    print(f"hub at {hub.url} (pid {hub.process.pid}); tokens:")
    for name in ("admin", "gestionnaire", "agent-0000-00"):
        print(f"  {name}: {bench.token(name)}")
    input("Enter to go on measuring… ")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench scale")
    parser.add_argument("--quick", action="store_true", help="40 towns × 5 people, 3 s a case")
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2")
    parser.add_argument("--seconds", type=float, help="seconds each measured case runs")
    parser.add_argument("--hold", action="store_true", help="pause after the build (profiling)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    if args.seconds:
        size = Size(size.towns, size.staff, args.seconds)
    workers = [int(n) for n in args.workers.split(",")]
    kinds = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    load = os.getloadavg()[0]
    for kind in kinds:
        rows = run_database(kind, size, workers, args.hold)
        print(
            f"\n{kind}, {size.towns} towns × {size.staff} staff, {CONCURRENCY} in flight, "
            f"{os.cpu_count()} cores, load at start {load:.1f}\n"
        )
        print(
            "| case | workers | req/s | p50 | p99 | server CPU per call | target |\n"
            "|---|---|---|---|---|---|---|"
        )
        for row in rows:
            print("| " + " | ".join(row) + " |")
    print(
        f"(load at the end {os.getloadavg()[0]:.1f}; p50/p99 of each call's latency; server CPU "
        "per call: the CPU time of the server's processes over the run ÷ calls, which other "
        "jobs on the machine do not inflate)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
