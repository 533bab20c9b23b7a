"""One settings object, read from ``HUB_*`` environment variables (documented in the README)."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class ConfigError(Exception):
    """Bad configuration: one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore", frozen=True)

    env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("var")
    database_url: str | None = None
    public_url: str | None = None

    caldav_url: str | None = None
    caldav_username: str | None = None
    caldav_password: SecretStr | None = None
    webdav_url: str | None = None
    webdav_username: str | None = None
    webdav_password: SecretStr | None = None
    files_backend: Literal["webdav", "nextcloud"] = "webdav"
    nextcloud_url: str | None = None
    nextcloud_username: str | None = None
    nextcloud_password: SecretStr | None = None
    # The hub's account reaches the towns' team folders through this group (it must be in it).
    nextcloud_hub_group: str = "entente-hub"

    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_audience: str = "entente-api"
    # A claim the operator declares unique and out of users' hands, which may then link a
    # first sign-in to the person of that username (README: when this is safe).
    oidc_link_claim: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_.:-]{0,63}$")
    invitation_ttl_hours: int = Field(default=72, gt=0, le=30 * 24)

    keycloak_url: str | None = None
    keycloak_realm: str = "entente"
    keycloak_client_id: str = "entente-hub"
    keycloak_client_secret: SecretStr | None = None

    # Signs the sign-in flow's cookie; generated under HUB_DATA_DIR when unset. Set it when
    # several replicas serve the hub, so each can finish a flow another one started.
    flow_secret: SecretStr | None = None

    # Shared state between replicas (sign-in attempt counters); in memory when unset.
    redis_url: str | None = None
    redis_prefix: str = Field(default="entente:", max_length=64)
    # Failed sign-ins allowed per account and per client address in a window, then 429.
    signin_account_limit: int = Field(default=10, ge=1, le=10_000)
    signin_address_limit: int = Field(default=50, ge=1, le=100_000)
    signin_window_seconds: int = Field(default=900, ge=1, le=86_400)
    # Reverse proxies whose X-Forwarded-For names the client (comma-separated addresses):
    # without it every client behind a proxy shares the proxy's address and its sign-in limit.
    trusted_proxies: str | None = None
    # Threads that hash and check passwords, off the event loop.
    password_workers: int = Field(default=2, ge=1, le=64)
    # Worker processes of `hub serve` (one event loop each; README "Scale" says how many).
    workers: int = Field(default=1, ge=1, le=64)

    backend_timeout: float = Field(default=2.0, gt=0, le=60)
    max_upload_bytes: int = Field(default=2 * 1024**3, gt=0)
    upload_sweep_age: int = Field(default=24 * 3600, gt=0)
    upload_sweep_interval: int = Field(default=3600, ge=0)
    # Every town is checked against its backends once in this many seconds (0: never).
    reconcile_interval: int = Field(default=24 * 3600, ge=0)
    # Request limits (README "Security limits"): bodies of every route but the uploads' files,
    # and what a GraphQL query may ask before it runs.
    max_body_bytes: int = Field(default=1024**2, gt=0)
    max_query_chars: int = Field(default=20_000, gt=0)
    max_query_tokens: int = Field(default=2_000, gt=0)
    max_query_depth: int = Field(default=10, gt=0)
    max_query_aliases: int = Field(default=15, ge=0)
    max_query_cost: int = Field(default=5_000, gt=0)
    token_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    # Data protection (README "Données personnelles"): the defaults of a town that set none.
    audit_retention_days: int = Field(default=365, ge=30, le=3650)
    session_retention_days: int = Field(default=180, ge=1, le=3650)
    export_ttl_hours: int = Field(default=48, gt=0, le=30 * 24)
    purge_interval: int = Field(default=24 * 3600, ge=0)
    log_level: str = "INFO"

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # Child servers get paths in their own config files: relative ones would be read
        # against the wrong folder.
        return value.expanduser().resolve()

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # Operators write the usual libpq URL; the hub always talks asyncpg.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must be a postgresql:// or sqlite+aiosqlite:// URL")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.env is Environment.PRODUCTION and not self.oidc_issuer:
            raise ValueError(
                "HUB_OIDC_ISSUER is required when HUB_ENV=production "
                "(embedded sign-in is for demos and tests)"
            )
        if self.keycloak_url and not self.keycloak_client_secret:
            raise ValueError(
                "HUB_KEYCLOAK_CLIENT_SECRET is required with HUB_KEYCLOAK_URL "
                "(the hub's service account)"
            )
        if self.files_backend == "nextcloud" and not self.nextcloud_url:
            raise ValueError("HUB_NEXTCLOUD_URL is required with HUB_FILES_BACKEND=nextcloud")
        if self.oidc_link_claim == "sub":
            raise ValueError("HUB_OIDC_LINK_CLAIM: 'sub' already identifies a linked person")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("HUB_REDIS_URL must start with redis://, rediss:// or unix://")
        for prefix in ("caldav", "webdav", "keycloak", "nextcloud"):
            url = getattr(self, f"{prefix}_url")
            if url and not url.startswith(("http://", "https://")):
                raise ValueError(f"HUB_{prefix.upper()}_URL must start with http:// or https://")
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    @property
    def embedded_identity(self) -> bool:
        return self.oidc_issuer is None

    @property
    def production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def https(self) -> bool:
        """People reach the hub over https (cookies Secure, HSTS)."""
        return self.base_url.startswith("https://")


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise ConfigError with one line naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        location = first.get("loc") or ()
        name = f"HUB_{str(location[0]).upper()}" if location else "configuration"
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
