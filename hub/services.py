"""What the app builds once at start-up and shares between requests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hub.backends import Backends, Endpoints, connect_backends
from hub.config import Settings
from hub.db.engine import make_engine, make_sessionmaker
from hub.identity.keys import KeySource, LocalSigningKey, RemoteJwks
from hub.identity.linking import LinkRules
from hub.identity.passwords import PasswordWorkers
from hub.identity.rate_limit import Limits, SignInLimiter, build_limiter
from hub.identity.tokens import TokenVerifier
from hub.identity.userinfo import Userinfo
from hub.towns.provisioning import StepRunner

# A step may create several things on a backend: give it a few backend timeouts.
STEP_TIMEOUT_FACTOR = 5


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    verifier: TokenVerifier
    signing_key: LocalSigningKey | None
    backends: Backends
    passwords: PasswordWorkers
    sign_in_limiter: SignInLimiter
    provisioning_steps: Sequence[StepRunner] = field(default_factory=list)
    files_backend: str = "webdav"
    # SSO mode: what the provider says about a bearer token whose subject is unknown yet
    userinfo: Userinfo | None = None
    _remote_keys: RemoteJwks | None = None
    _background: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def link_rules(self) -> LinkRules:
        return LinkRules(claim=self.settings.oidc_link_claim)

    @property
    def step_timeout(self) -> float:
        return self.settings.backend_timeout * STEP_TIMEOUT_FACTOR

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` until the services close (the sweep of stale uploads)."""
        self._background.append(asyncio.create_task(work))

    async def aclose(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.sign_in_limiter.aclose()
        self.passwords.close()
        if self._remote_keys is not None:
            await self._remote_keys.aclose()
        if self.userinfo is not None:
            await self.userinfo.aclose()
        await self.backends.aclose()
        await self.engine.dispose()


def local_signing_key(settings: Settings) -> LocalSigningKey:
    return LocalSigningKey(settings.data_dir / "keys")


def build_services(
    settings: Settings,
    *,
    endpoints: Endpoints | None = None,
    engine: AsyncEngine | None = None,
) -> Services:
    engine = engine or make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    backends = connect_backends(settings, endpoints, sessions)
    signing_key: LocalSigningKey | None = None
    remote: RemoteJwks | None = None
    userinfo: Userinfo | None = None
    source: KeySource
    if settings.embedded_identity:
        signing_key = local_signing_key(settings)
        source, issuer = signing_key, settings.base_url
    else:
        assert settings.oidc_issuer is not None
        remote = RemoteJwks(settings.oidc_issuer, timeout=settings.backend_timeout)
        userinfo = Userinfo(settings.oidc_issuer, timeout=settings.backend_timeout)
        source, issuer = remote, settings.oidc_issuer
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        verifier=TokenVerifier(source, issuer, settings.oidc_audience),
        signing_key=signing_key,
        backends=backends,
        passwords=PasswordWorkers(settings.password_workers),
        sign_in_limiter=build_limiter(
            settings.redis_url,
            prefix=settings.redis_prefix,
            limits=Limits(
                account=settings.signin_account_limit,
                address=settings.signin_address_limit,
                window=settings.signin_window_seconds,
            ),
            timeout=settings.backend_timeout,
        ),
        provisioning_steps=list(backends.steps),
        files_backend=backends.files.default,
        userinfo=userinfo,
        _remote_keys=remote,
    )
