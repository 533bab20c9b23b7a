"""The deployment artefacts, checked without a container engine: the Helm chart passes
`helm lint` and renders (`helm template`) replicas sharing Redis, a migration Job before them,
probes, resources and credentials from an existing Secret; the compose file runs two hub
replicas behind a reverse proxy with PostgreSQL and Redis.

helm is the pinned one (deploy/helm/helm-version), built from the Go module proxy and cached
outside the repository by `.ci/helm`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "entente"
COMPOSE = ROOT / "deploy" / "compose.yaml"
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|DATABASE_URL|REDIS_URL")


@pytest.fixture(scope="module")
def helm() -> str:
    done = subprocess.run(
        [str(ROOT / ".ci" / "helm")], capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        message = f"helm could not be built: {done.stderr.strip()[-500:]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return done.stdout.strip()


def template(helm: str, *values: str) -> list[dict[str, Any]]:
    sets = [arg for value in values for arg in ("--set", value)]
    done = subprocess.run(
        [helm, "template", "entente", str(CHART), *sets],
        capture_output=True,
        text=True,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def test_the_chart_passes_helm_lint(helm: str) -> None:
    done = subprocess.run([helm, "lint", "--strict", str(CHART)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_chart_renders_replicas_that_share_redis_and_the_database(helm: str) -> None:
    docs = template(helm, "replicaCount=3")
    (deployment,) = of_kind(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 3
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    # workers in each pod, Redis's prefix; Redis's URL and every credential from the Secret
    assert env["HUB_WORKERS"] == "2" and env["HUB_REDIS_PREFIX"] == "entente:"
    assert [ref["secretRef"]["name"] for ref in container["envFrom"]] == ["entente-secrets"]
    assert not [name for name in env if SECRET_NAMES.search(name)]
    # probes and resources
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # one replica at a time may be taken down
    (budget,) = of_kind(docs, "PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1


def test_migrations_run_as_a_job_before_install_and_upgrade(helm: str) -> None:
    (job,) = of_kind(template(helm), "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["hub", "migrate"]
    assert container["envFrom"] == [{"secretRef": {"name": "entente-secrets"}}]
    assert container["resources"]["limits"]


def test_the_chart_refuses_replicas_without_redis(helm: str) -> None:
    done = subprocess.run(
        [helm, "template", "entente", str(CHART), "--set", "redis.enabled=false"],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "needs redis.enabled" in done.stderr
    single = template(helm, "redis.enabled=false", "replicaCount=1")
    assert of_kind(single, "PodDisruptionBudget") == []


def test_compose_runs_two_replicas_behind_a_proxy_on_one_database_and_redis() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    hubs = [name for name, s in services.items() if s.get("command") == ["hub", "serve"]]
    assert hubs == ["hub-a", "hub-b"]
    for name in hubs:
        hub = services[name]
        env = hub["environment"]
        assert env["HUB_DATABASE_URL"].endswith("@postgres:5432/entente")
        assert env["HUB_REDIS_URL"].startswith("redis://") and "@redis:6379" in env["HUB_REDIS_URL"]
        assert env["HUB_FLOW_SECRET"].startswith("${HUB_FLOW_SECRET:?")
        assert hub["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert hub["depends_on"]["redis"] == {"condition": "service_healthy"}
    # the same settings for both (one anchor), each with its own data volume
    assert services["hub-a"]["environment"] is services["hub-b"]["environment"]
    assert services["hub-a"]["volumes"] != services["hub-b"]["volumes"]
    assert services["migrate"]["command"] == ["hub", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert {"postgres", "redis"} <= set(services)
    # the proxy waits for both and sends to both; the hubs trust its fixed address only
    proxy = services["proxy"]
    assert set(proxy["depends_on"]) == {"hub-a", "hub-b"}
    address = proxy["networks"]["edge"]["ipv4_address"]
    assert services["hub-a"]["environment"]["HUB_TRUSTED_PROXIES"] == address
    mounted = next(v for v in proxy["volumes"] if v.endswith(":/etc/caddy/Caddyfile:ro"))
    caddyfile = (COMPOSE.parent / mounted.split(":")[0]).read_text(encoding="utf-8")
    assert re.search(r"reverse_proxy hub-a:8000 hub-b:8000", caddyfile)
    assert "health_uri /healthz" in caddyfile
    # every variable the file needs is in the example environment
    needed = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text(encoding="utf-8")))
    example = (COMPOSE.parent / "env.example").read_text(encoding="utf-8")
    given = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert needed - given == set()
