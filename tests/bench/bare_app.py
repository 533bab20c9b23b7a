"""The bare endpoint of ``bench_scale``: FastAPI under the same uvicorn as the hub, answering
``POST /graphql`` with the JSON the hub gave for the same query (read from the file named by
``BENCH_BARE_JSON``), with nothing in between: the floor any API on this stack could reach."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

ANSWER: dict[str, Any] = json.loads(Path(os.environ["BENCH_BARE_JSON"]).read_text())

app = FastAPI()


@app.post("/graphql")
async def graphql() -> dict[str, Any]:
    return ANSWER


@app.get("/healthz")
async def health() -> dict[str, str]:
    return {"status": "ok"}
