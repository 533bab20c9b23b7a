"""Verify bearer access tokens (JWT) the same way whichever key source signed them.

What a token must be to pass ``TokenVerifier.verify``:

1. A compact JWS no larger than 16 KiB whose header ``alg`` is in the verifier's allow-list
   (asymmetric algorithms only: ``none`` and ``HS*`` are refused before any key lookup, and the
   verifier itself cannot be built with them). The token never chooses the algorithm: the key's
   algorithm must equal the header's, and only that one is passed to PyJWT.
2. A ``kid`` header naming a key of the key source; no ``crit`` header (we honour no extension).
3. **Access token, not ID token.** The rule, in order:
   - header ``typ`` ``at+jwt`` / ``application/at+jwt`` (RFC 9068) is an access token, as
     oidc-provider's JWT access tokens and the hub's own tokens are;
   - header ``typ`` absent or ``JWT`` (Keycloak's access tokens) is accepted too, since an ID
     token's audience is the client, never the API, and the ``aud`` check below refuses it;
   - any other ``typ`` (``logout+jwt``, ``dpop+jwt``, …) is refused;
   - whatever the header says, a payload carrying an ID-token-only claim (``nonce``,
     ``at_hash``, ``c_hash``, ``s_hash``) or Keycloak's ``"typ": "ID"`` is refused, so an ID
     token is refused even by a verifier whose audience is misconfigured as the client id.
4. A valid signature; ``iss`` exactly the configured issuer; ``aud`` (string or list)
   containing the configured audience; ``sub`` a non-empty string.
5. ``exp`` present and numeric, not passed by more than ``leeway``; ``nbf`` and ``iat``, when
   present, not in the future by more than ``leeway`` (≤ 60 s). Time comes from the injected
   clock, not from PyJWT, so tests can move it.

A token that passed is remembered (up to ``VERIFIED_TOKENS``, least recently used out) with
the key object that verified it: a script or the portal sends the same token on every request,
and checking an ES256/RS256 signature costs more than the rest of a small request's own work.
A remembered token passes again only while its key source still returns that very key object
for its ``kid`` (a refreshed JWKS builds new ones, a removed key raises) and its times still
hold (checked at each use). Whether the person may act is never remembered: every request
reads it from the database.

Every refusal raises ``InvalidToken(reason)``; the reason is for logs, never for the caller.
A key source that cannot reach its provider raises ``JwksUnavailable`` through ``verify``
unchanged: that is an outage (503), not a bad token (401).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt

from hub.identity.keys import KeySource, LocalSigningKey, UnknownKey

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
UNTYPED_TOKEN_TYPES = frozenset({"jwt", "application/jwt"})
ID_TOKEN_CLAIMS = ("nonce", "at_hash", "c_hash", "s_hash")
MAX_TOKEN_LENGTH = 16 * 1024
MAX_LEEWAY = 60.0
VERIFIED_TOKENS = 1024


class InvalidToken(Exception):
    """The bearer token is refused; ``reason`` says why, for the logs only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    """The verified facts about the caller."""

    sub: str
    preferred_username: str | None
    email: str | None
    email_verified: bool
    raw: Mapping[str, Any] = field(repr=False)


def claims_of(payload: Mapping[str, Any]) -> Claims:
    """The facts the hub reads from a verified token's payload or a userinfo answer."""
    return Claims(
        sub=str(payload["sub"]),
        preferred_username=_optional_str(payload.get("preferred_username")),
        email=_optional_str(payload.get("email")),
        email_verified=payload.get("email_verified") is True,
        raw=payload,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class TokenVerifier:
    """Checks access tokens for one issuer and one audience (see the module docstring)."""

    def __init__(
        self,
        key_source: KeySource,
        issuer: str,
        audience: str,
        *,
        algorithms: Iterable[str] = ("RS256", "ES256"),
        leeway: float = MAX_LEEWAY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        allowed = frozenset(algorithms)
        if not allowed:
            raise ValueError("at least one algorithm must be allowed")
        refused = allowed - ASYMMETRIC_ALGORITHMS
        if refused:
            # A public key used as an HMAC secret is the classic confusion: never allow HS*/none.
            raise ValueError(f"algorithms {sorted(refused)} are not asymmetric signatures")
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY:.0f} s")
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        self.key_source = key_source
        self.issuer = issuer
        self.audience = audience
        self.algorithms = allowed
        self.leeway = leeway
        self._clock = clock
        self._verified: OrderedDict[str, tuple[Claims, str, jwt.PyJWK]] = OrderedDict()

    async def verify(self, token: str) -> Claims:
        """The token's claims, or ``InvalidToken``."""
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, kid, verified_with = remembered
            try:
                still = await self.key_source.key_for(kid) is verified_with
            except UnknownKey:
                still = False
            if still:
                try:
                    self._check_times(claims.raw)
                except InvalidToken:
                    self._verified.pop(token, None)  # expired: nothing left to remember
                    raise
                self._verified.move_to_end(token)
                return claims
            self._verified.pop(token, None)
        claims, kid, key = await self._verify(token)
        self._verified[token] = (claims, kid, key)
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return claims

    async def _verify(self, token: str) -> tuple[Claims, str, jwt.PyJWK]:
        header = self._header(token)
        alg = header["alg"]
        kid = header["kid"]
        try:
            key = await self.key_source.key_for(kid)
        except UnknownKey as exc:
            raise InvalidToken(f"unknown kid {kid!r}") from exc
        if key.algorithm_name != alg:
            raise InvalidToken(f"key {kid!r} is for {key.algorithm_name}, token says {alg}")
        payload = self._decode(token, key, alg)
        if not isinstance(payload["sub"], str) or not payload["sub"]:
            raise InvalidToken("empty sub")
        self._check_not_id_token(payload)
        self._check_times(payload)
        return claims_of(payload), kid, key

    def _header(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("not a token of acceptable size")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed: {exc}") from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise InvalidToken(f"algorithm {alg!r} is not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("no kid in header")
        if "crit" in header:
            raise InvalidToken("critical header extensions are not supported")
        typ = header.get("typ")
        if typ is not None:
            if not isinstance(typ, str):
                raise InvalidToken("typ header is not a string")
            if typ.lower() not in ACCESS_TOKEN_TYPES | UNTYPED_TOKEN_TYPES:
                raise InvalidToken(f"typ {typ!r} is not an access token")
        return header

    def _decode(self, token: str, key: jwt.PyJWK, alg: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": ["exp", "iss", "aud", "sub"],
                    "verify_signature": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "verify_sub": True,
                    # Times are checked by _check_times against the injected clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("bad signature") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("wrong issuer") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("wrong audience") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"missing claim {exc.claim}") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"rejected: {exc}") from exc

    def _check_not_id_token(self, payload: Mapping[str, Any]) -> None:
        carried = [claim for claim in ID_TOKEN_CLAIMS if claim in payload]
        if carried or payload.get("typ") == "ID":
            raise InvalidToken(f"an ID token is not an access token ({carried or 'typ ID'})")

    def _check_times(self, payload: Mapping[str, Any]) -> None:
        now = self._clock()
        exp = payload["exp"]
        if not _is_number(exp):
            raise InvalidToken("exp is not a number")
        if exp + self.leeway <= now:
            raise InvalidToken("expired")
        for claim in ("nbf", "iat"):
            if claim not in payload:
                continue
            value = payload[claim]
            if not _is_number(value):
                raise InvalidToken(f"{claim} is not a number")
            if value - self.leeway > now:
                raise InvalidToken(f"{claim} is in the future")


def issue_local_token(
    key: LocalSigningKey,
    issuer: str,
    audience: str,
    sub: str,
    username: str,
    ttl: timedelta,
    *,
    client_id: str = "hub",
    extra: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> str:
    """An RFC 9068 access token signed with the hub's own key (``typ: at+jwt``)."""
    issued_at = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        **(extra or {}),
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "preferred_username": username,
        "client_id": client_id,
        "iat": issued_at,
        "exp": issued_at + int(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(16),
    }
    return key.sign(claims, typ="at+jwt")
