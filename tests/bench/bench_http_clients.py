"""aiohttp vs httpx for concurrent PROPFIND against the real WsgiDAV (not collected by pytest).

    .venv/bin/python -m tests.bench http_clients
    .venv/bin/python -m tests.bench.bench_http_clients [--total 400] [--concurrency 32]

Starts WsgiDAV in a temporary folder, puts 20 files in one folder, then sends ``--total``
PROPFIND Depth 1 requests on it, ``--concurrency`` at a time, with each client (one shared
client/session per run, connection pool sized to the concurrency). Prints requests/s and
latency percentiles and failed requests (a pooled connection the server closed); runs each
client three times, alternating, and prints every run and the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

from connectors.files._dav import BASIC_PROPS, propfind_body
from hub.embedded.wsgidav import start_wsgidav

BODY = propfind_body(BASIC_PROPS)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0


async def run(send: Callable[[], Awaitable[int]], total: int, concurrency: int) -> Result:
    result = Result()
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            started = time.perf_counter()
            try:
                status = await send()
            except (aiohttp.ClientError, httpx.HTTPError):
                result.failures += 1
                return
            result.latencies.append(time.perf_counter() - started)
            if status != 207:
                raise RuntimeError(f"unexpected status {status}")

    await asyncio.gather(*(one() for _ in range(total)))
    return result


async def bench_aiohttp(url: str, headers: dict[str, str], total: int, conc: int) -> Result:
    connector = aiohttp.TCPConnector(limit=conc)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def send() -> int:
            async with session.request("PROPFIND", url, data=BODY) as response:
                await response.read()
                return response.status

        return await run(send, total, conc)


async def bench_httpx(url: str, headers: dict[str, str], total: int, conc: int) -> Result:
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=30) as client:

        async def send() -> int:
            response = await client.request("PROPFIND", url, content=BODY)
            return response.status_code

        return await run(send, total, conc)


def figures(result: Result, elapsed: float) -> tuple[float, float, float]:
    ordered = sorted(result.latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / elapsed, statistics.median(ordered) * 1000, p99 * 1000


def line(name: str, rate: float, p50: float, p99: float, failures: int) -> str:
    return f"{name:8} {rate:7.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  failed {failures}"


async def measure(total: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_wsgidav(Path(tmp))
        try:
            folder = Path(tmp) / "files" / "bench"
            folder.mkdir()
            for i in range(20):
                (folder / f"fichier-{i:02}.txt").write_bytes(b"x" * 1000)
            credentials = base64.b64encode(f"{server.username}:{server.password}".encode())
            headers = {"Authorization": "Basic " + credentials.decode(), "Depth": "1"}
            url = server.url + "/bench/"
            runs: dict[str, list[tuple[float, float, float, int]]] = {"aiohttp": [], "httpx": []}
            for _ in range(3):
                for name, bench in (("aiohttp", bench_aiohttp), ("httpx", bench_httpx)):
                    started = time.perf_counter()
                    result = await bench(url, headers, total, concurrency)
                    rate, p50, p99 = figures(result, time.perf_counter() - started)
                    runs[name].append((rate, p50, p99, result.failures))
                    print(line(name, rate, p50, p99, result.failures), flush=True)
            print(f"medians over 3 runs, {total} PROPFIND Depth 1, {concurrency} at a time:")
            for name, rows in runs.items():
                columns = list(zip(*rows, strict=True))
                rate, p50, p99 = (statistics.median(c) for c in columns[:3])
                print(line(name, rate, p50, p99, int(sum(columns[3]))))
        finally:
            server.stop()


def main(total: int = 400, concurrency: int = 32) -> None:
    asyncio.run(measure(total, concurrency))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    main(args.total, args.concurrency)
