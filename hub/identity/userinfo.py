"""The provider's userinfo, asked about a bearer token whose subject the hub does not know yet.

Some providers put only ``sub`` in access tokens (oidc-provider and Auth0 by default):
nothing in the token can link it to an invited person (``hub.identity.linking``). For such a
token the hub asks the provider's userinfo endpoint (OpenID Connect Core §5.3), sending the
token itself, and links with what it answers, under the same rules as the portal.

- Asked only for a subject no person is linked to; once linked, the token's ``sub`` is enough.
- One request per token at a time: concurrent calls with one token share the request.
- Answers are remembered per token for ``ttl`` seconds (at most ``max_entries``, least
  recently used out), refusals too, so an unknown token costs the provider one request per
  ``ttl``, not one per call.
- The answer counts only when its ``sub`` is the token's (§5.3.4 of the same).
- The endpoint comes from the issuer's discovery document.

A provider may refuse access tokens meant for another audience at userinfo: oidc-provider
refuses every token that carries an ``aud`` (its JWT access tokens always do); Keycloak
accepts them, as many providers do for tokens asked with the ``openid`` scope. A refusal
answers None: the person then links by signing in once through the portal.

Errors::

    UserinfoUnavailable   the provider did not answer usably (timeout, connection, 5xx):
                          an outage, not a refusal (never remembered)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

from hub.identity.tokens import Claims, claims_of

log = logging.getLogger(__name__)

TTL = 300.0
MAX_ENTRIES = 1024
MAX_ANSWER_BYTES = 64 * 1024


class UserinfoUnavailable(Exception):
    """The userinfo endpoint could not be asked now."""


class Userinfo:
    def __init__(
        self,
        issuer: str,
        *,
        endpoint: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 5.0,
        ttl: float = TTL,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._endpoint = endpoint
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._answers: OrderedDict[str, tuple[float, Claims | None]] = OrderedDict()
        self._in_flight: dict[str, asyncio.Future[Claims | None]] = {}

    async def claims(self, token: str) -> Claims | None:
        """What the provider says about the token's owner, or None when it refuses."""
        remembered = self._answers.get(token)
        if remembered is not None:
            if remembered[0] > self._clock():
                self._answers.move_to_end(token)
                return remembered[1]
            del self._answers[token]
        pending = self._in_flight.get(token)
        if pending is None:
            pending = asyncio.ensure_future(self._ask(token))
            self._in_flight[token] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(token, None))
        # shielded: a caller that gives up does not cancel the others' request
        return await asyncio.shield(pending)

    async def aclose(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _ask(self, token: str) -> Claims | None:
        """GET {userinfo_endpoint} with ``Authorization: Bearer <token>``"""
        endpoint = await self._userinfo_endpoint()
        answer = await self._get(endpoint, {"Authorization": f"Bearer {token}"})
        claims = None
        if isinstance(answer, dict) and isinstance(answer.get("sub"), str) and answer["sub"]:
            claims = claims_of(answer)
        self._answers[token] = (self._clock() + self._ttl, claims)
        while len(self._answers) > self._max_entries:
            self._answers.popitem(last=False)
        return claims

    async def _userinfo_endpoint(self) -> str:
        """GET {issuer}/.well-known/openid-configuration, once"""
        if self._endpoint is None:
            document = await self._get(f"{self.issuer}/.well-known/openid-configuration", {})
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                raise UserinfoUnavailable("no discovery document for this issuer")
            endpoint = document.get("userinfo_endpoint")
            if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
                raise UserinfoUnavailable("the provider publishes no userinfo endpoint")
            self._endpoint = endpoint
        return self._endpoint

    async def _get(self, url: str, headers: dict[str, str]) -> Any:
        """The JSON answer; None when the provider refuses (4xx) or answers no JSON object."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.get(
                url,
                headers={"Accept": "application/json", **headers},
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                if 400 <= response.status < 500:
                    log.info("GET %s refused: %s", url, response.headers.get("WWW-Authenticate"))
                    return None
                if response.status != 200:
                    raise UserinfoUnavailable(f"GET {url} answered {response.status}")
                if response.content_type != "application/json":
                    # e.g. a signed userinfo (application/jwt): not a shape the hub reads
                    log.info("GET %s answered %s, not JSON", url, response.content_type)
                    return None
                body = await response.content.read(MAX_ANSWER_BYTES + 1)
                if len(body) > MAX_ANSWER_BYTES:
                    raise UserinfoUnavailable(f"GET {url} answered more than 64 KiB")
        except TimeoutError as exc:
            raise UserinfoUnavailable(f"GET {url} timed out") from exc
        except aiohttp.ClientError as exc:
            raise UserinfoUnavailable(f"GET {url} failed: {exc}") from exc
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
