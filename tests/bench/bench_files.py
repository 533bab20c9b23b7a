"""Files through the hub vs straight to the file server (not collected by pytest).

    .venv/bin/python -m tests.bench files
    .venv/bin/python -m tests.bench.bench_files [--size-mb 1024] [--rounds 300]

Starts a real WsgiDAV and a real `hub demo` process (uvicorn) wired to it, then measures:
- listing a 200-entry folder: GraphQL ``entries`` vs a direct PROPFIND Depth 1, alternated,
  p50 side by side (target: hub ≤ 1.3× direct and ≤ direct + 5 ms). Each side ends holding
  the same listing as data: the hub's client decodes the JSON answer; the direct client parses
  the multistatus into the entries the hub serves (relative paths, names, sizes, dates, quoted
  etags, folders first) with the connector's own function, the one the hub calls, so what is
  left between the two is the hub's own cost: HTTP, authentication, authorisation, GraphQL and
  JSON both ways. Each client decodes with the fastest safe parser at hand (orjson for the
  JSON, lxml under the connector's locked-down settings for the XML). A third client,
  alternated with the two, stops once the XML is parsed (the floor of any direct client),
  shown on a second row for comparison;
- downloading and uploading one large file (``--size-mb``, 1 GiB by default): throughput
  through the hub vs direct (target ≥ 0.7×), and the hub process's RSS growth sampled from
  /proc during each transfer (target < 64 MB). Both uploads announce their length, as a
  browser or ``curl -T`` does (the hub's is the multipart form's); the hub, which learns the
  file's size only at its end, sends it on to the server in chunked pieces. Each side runs
  twice (direct, hub, hub, direct; the uploaded files removed and the disk flushed before
  each) and its best is shown.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import orjson

from connectors.files._dav import BASIC_PROPS, entries, parse_multistatus, propfind_body
from hub.embedded.process import free_port
from hub.embedded.wsgidav import start_wsgidav

CHUNK = 1024 * 1024
PAGE = propfind_body(BASIC_PROPS)
LISTING = """query L($id: ID!) { workspace(id: $id) {
  entries(path: "/bench") { path name folder size contentType etag modifiedAt downloadUrl } } }"""
UPLOAD = """mutation U($w: ID!, $p: String!, $file: Upload!) {
  uploadFile(workspace: $w, path: $p, file: $file, overwrite: true) { size } }"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RssPeak:
    """Samples a process's resident memory every 20 ms while a transfer runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = rss_kib(pid)
        self.peak = self.start
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_kib(self.pid))
            await asyncio.sleep(0.02)

    async def __aenter__(self) -> RssPeak:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, rss_kib(self.pid))

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(fn: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await fn()
    return time.perf_counter() - started


async def zeros(size: int) -> AsyncIterator[bytes]:
    block = os.urandom(CHUNK)
    sent = 0
    while sent < size:
        piece = block[: min(len(block), size - sent)]
        sent += len(piece)
        yield piece


def multipart(fields: dict[str, str], size: int, boundary: str) -> tuple[int, AsyncIterator[bytes]]:
    """The multipart body's length (a browser sends it) and its pieces."""
    head = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
            for name, value in fields.items()
        )
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
    )
    tail = f"\r\n--{boundary}--\r\n".encode()

    async def pieces() -> AsyncIterator[bytes]:
        yield head
        async for piece in zeros(size):
            yield piece
        yield tail

    return len(head) + size + len(tail), pieces()


async def drain(response: aiohttp.ClientResponse) -> int:
    received = 0
    async for piece in response.content.iter_chunked(CHUNK):
        received += len(piece)
    return received


async def bench(
    hub: str, dav: str, dav_auth: str, token: str, pid: int, size: int, rounds: int
) -> list[tuple[str, str, str, str, str]]:
    bearer = {"Authorization": f"Bearer {token}"}
    basic = {"Authorization": f"Basic {dav_auth}"}
    rows = []
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.post(
            f"{hub}/graphql", json={"query": "{ workspaces { id name } }"}, headers=bearer
        ) as r:
            igny = {w["name"]: w["id"] for w in (await r.json())["data"]["workspaces"]}["Igny"]

        async def via_hub() -> None:
            body = {"query": LISTING, "variables": {"id": igny}}
            async with http.post(f"{hub}/graphql", json=body, headers=bearer) as r:
                data = orjson.loads(await r.read())
                assert len(data["data"]["workspace"]["entries"]) == 200, data

        async def propfind() -> bytes:
            headers = {**basic, "Depth": "1", "Content-Type": "application/xml"}
            async with http.request(
                "PROPFIND", f"{dav}/igny/bench/", data=PAGE, headers=headers
            ) as r:
                assert r.status == 207
                return await r.read()

        folder = urlsplit(dav).path + "/igny"

        async def direct() -> None:
            found = entries(await propfind(), folder, exclude="/bench")
            found.sort(key=lambda entry: (not entry.folder, entry.name.casefold()))
            assert len(found) == 200

        async def direct_xml_only() -> None:
            assert len(parse_multistatus(await propfind())) == 201  # the folder and its entries

        for _ in range(5):
            await via_hub()
            await direct()
            await direct_xml_only()
        hub_times, dav_times, xml_times = [], [], []
        for _ in range(rounds):
            hub_times.append(await timed(via_hub))
            dav_times.append(await timed(direct))
            xml_times.append(await timed(direct_xml_only))
        hub_p50 = statistics.median(hub_times) * 1e3
        for label, times in (
            ("list 200 entries, p50", dav_times),
            ("(same, direct side parsing the XML only)", xml_times),
        ):
            dav_p50 = statistics.median(times) * 1e3
            rows.append(
                (
                    label,
                    f"{hub_p50:.1f} ms",
                    f"{dav_p50:.1f} ms",
                    f"{hub_p50 / dav_p50:.2f}× (+{hub_p50 - dav_p50:.1f} ms)",
                    "—",
                )
            )

        async def download_direct() -> None:
            async with http.get(f"{dav}/igny/big.bin", headers=basic) as r:
                assert await drain(r) == size

        async def download_hub() -> None:
            url = f"{hub}/download/{igny}?path=/big.bin"
            async with http.get(url, headers=bearer) as r:
                assert r.status == 200, await r.text()
                assert await drain(r) == size

        rows.append(await _transfers("download", size, pid, download_hub, download_direct))

        async def upload_direct() -> None:
            url = f"{dav}/igny/direct-upload.bin"
            headers = {**basic, "Content-Length": str(size)}
            async with http.put(url, data=zeros(size), headers=headers) as r:
                assert r.status in (201, 204), r.status

        async def upload_hub() -> None:
            operations = {"query": UPLOAD, "variables": {"w": igny, "p": "/hub-upload.bin"}}
            fields = {"operations": json.dumps(operations), "map": '{"0": ["variables.file"]}'}
            length, body = multipart(fields, size, "bench")
            headers = {
                **bearer,
                "Content-Type": "multipart/form-data; boundary=bench",
                "Content-Length": str(length),
            }
            async with http.post(f"{hub}/graphql/upload", data=body, headers=headers) as r:
                body = await r.json()
                assert body.get("data") and body["data"]["uploadFile"]["size"] == size, body

        async def remove_uploads() -> None:
            for name in ("direct-upload.bin", "hub-upload.bin"):
                async with http.delete(f"{dav}/igny/{name}", headers=basic) as r:
                    assert r.status in (204, 404), r.status

        rows.append(
            await _transfers("upload", size, pid, upload_hub, upload_direct, remove_uploads)
        )
    return rows


async def _transfers(
    what: str,
    size: int,
    pid: int,
    via_hub: Callable[[], Awaitable[None]],
    direct: Callable[[], Awaitable[None]],
    cleanup: Callable[[], Awaitable[None]] | None = None,
) -> tuple[str, str, str, str, str]:
    """Each side twice, in the order direct, hub, hub, direct, each's best shown. Before each
    transfer the files uploaded so far are removed and the disk flushed: replacing a gigabyte
    file, or writing while the last one is still being written back, made whichever transfer
    came second run at half speed, on either side."""
    hub_times, direct_times, growth = [], [], 0.0
    for side in ("direct", "hub", "hub", "direct"):
        if cleanup is not None:
            await cleanup()
        os.sync()
        if side == "direct":
            direct_times.append(await timed(direct))
            continue
        async with RssPeak(pid) as peak:
            hub_times.append(await timed(via_hub))
        growth = max(growth, peak.growth_mb)
    return _transfer(what, size, min(hub_times), min(direct_times), growth)


def _transfer(
    what: str, size: int, hub_s: float, direct_s: float, growth: float
) -> tuple[str, str, str, str, str]:
    mb = size / 1e6
    return (
        f"{what} {size // (1024 * 1024)} MiB",
        f"{mb / hub_s:.0f} MB/s",
        f"{mb / direct_s:.0f} MB/s",
        f"{direct_s / hub_s:.2f}×",
        f"{growth:.1f} MB",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)
    size = args.size_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        root = Path(tmp)
        free = shutil.disk_usage(root).free
        if free < 4 * size + 2**30:
            print(f"not enough free disk for a {args.size_mb} MiB run ({free // 2**20} MiB free)")
            return
        dav = start_wsgidav(root / "webdav")
        port = free_port("127.0.0.1")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            HUB_DATA_DIR=str(root / "hub"),
            HUB_PORT=str(port),
            HUB_LOG_LEVEL="warning",
            HUB_WEBDAV_URL=dav.url,
            HUB_WEBDAV_USERNAME=dav.username,
            HUB_WEBDAV_PASSWORD=dav.password,
            HUB_MAX_UPLOAD_BYTES=str(size + 1),
        )
        hub = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "demo"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(port, hub)
            token = (
                subprocess.run(
                    [sys.executable, "-m", "hub.cli", "token", "admin"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            files = root / "webdav" / "files" / "igny"
            (files / "bench").mkdir()
            for i in range(200):
                (files / "bench" / f"délibération n°{i:03d}.txt").write_text("x" * (i + 1))
            with (files / "big.bin").open("wb") as out:
                block = os.urandom(CHUNK)
                for _ in range(size // CHUNK):
                    out.write(block)
            auth = base64.b64encode(f"{dav.username}:{dav.password}".encode()).decode()
            rows = asyncio.run(
                bench(f"http://127.0.0.1:{port}", dav.url, auth, token, hub.pid, size, args.rounds)
            )
        finally:
            hub.terminate()
            try:
                hub.wait(timeout=20)
            except subprocess.TimeoutExpired:
                hub.kill()
            dav.stop()
    print("\n| case | through the hub | direct | hub vs direct | hub RSS growth |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def _wait(port: int, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hub exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the hub did not start in time")


if __name__ == "__main__":
    main(sys.argv[1:])
