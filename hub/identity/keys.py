"""Where the public keys that verify access tokens come from.

Exceptions::

    KeySourceError
    ├── UnknownKey        no key with that ``kid`` (after at most one allowed refresh)
    └── JwksUnavailable   the provider's discovery document or JWKS could not be fetched or read

``UnknownKey`` means the token is not ours to accept; ``JwksUnavailable`` means we cannot tell
right now (answer 503, not 401).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

LOCAL_ALGORITHM = "ES256"
MIN_REFRESH_INTERVAL = 30.0


class KeySourceError(Exception):
    """Base class of the key sources' errors."""


class UnknownKey(KeySourceError):
    """No verification key has this ``kid``."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"no key with kid {kid!r}")
        self.kid = kid


class JwksUnavailable(KeySourceError):
    """The provider's keys could not be fetched (timeout, connection, status, bad document)."""


class KeySource(Protocol):
    """Gives the public key a token's ``kid`` names."""

    async def key_for(self, kid: str) -> jwt.PyJWK:
        """The key named ``kid``; raises ``UnknownKey`` (or ``JwksUnavailable``)."""
        ...


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _ec_public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    # RFC 7518 §6.2.1.2: coordinates are padded to the full field size.
    size = (public_key.curve.key_size + 7) // 8
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(size, "big")),
        "y": _b64url(numbers.y.to_bytes(size, "big")),
    }


def jwk_thumbprint(jwk: Mapping[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC or RSA public JWK."""
    members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


class LocalSigningKey:
    """The hub's own P-256 key pair (embedded mode), kept as a PEM file readable by its owner only.

    The file is created on first use; a file that group or others may read is refused, as ssh
    refuses a private key left open.
    """

    def __init__(self, directory: Path, filename: str = "hub-signing-key.pem") -> None:
        self.path = directory / filename
        self._private: ec.EllipticCurvePrivateKey | None = None
        self._public_jwk: dict[str, str] | None = None
        self._verifying_key: jwt.PyJWK | None = None

    def _load_or_create(self) -> ec.EllipticCurvePrivateKey:
        if self._private is None:
            if not self.path.exists():
                self._create()
            mode = self.path.stat().st_mode & 0o777
            if mode & 0o077:
                raise PermissionError(f"{self.path} is readable by others (mode {mode:o})")
            loaded = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
            if not isinstance(loaded, ec.EllipticCurvePrivateKey) or not isinstance(
                loaded.curve, ec.SECP256R1
            ):
                raise ValueError(f"{self.path} does not hold a P-256 private key")
            self._private = loaded
        return self._private

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written aside then linked: a concurrent starter sees either no file or a whole one.
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            # If another process won the race, its key is the key.
            with contextlib.suppress(FileExistsError):
                os.link(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK with ``kid``, ``alg`` and ``use``."""
        if self._public_jwk is None:
            jwk = _ec_public_jwk(self._load_or_create().public_key())
            self._public_jwk = {
                **jwk,
                "kid": jwk_thumbprint(jwk),
                "alg": LOCAL_ALGORITHM,
                "use": "sig",
            }
        return dict(self._public_jwk)

    @property
    def kid(self) -> str:
        """RFC 7638 thumbprint of the public key: stable for as long as the key file lives."""
        return self.public_jwk()["kid"]

    def sign(self, claims: Mapping[str, Any], *, typ: str | None = None) -> str:
        """A compact JWS of ``claims``, header ``alg: ES256`` + this ``kid`` (+ ``typ``)."""
        headers: dict[str, str] = {"kid": self.kid}
        if typ is not None:
            headers["typ"] = typ
        return jwt.encode(
            dict(claims), self._load_or_create(), algorithm=LOCAL_ALGORITHM, headers=headers
        )

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set to publish at ``/.well-known/jwks.json`` (public members only)."""
        return {"keys": [self.public_jwk()]}

    async def key_for(self, kid: str) -> jwt.PyJWK:
        """This key, if ``kid`` names it."""
        if kid != self.kid:
            raise UnknownKey(kid)
        # built once: the same object each time, as RemoteJwks gives, so a verifier can tell
        # that the key a token was checked with is still the key
        if self._verifying_key is None:
            self._verifying_key = jwt.PyJWK(self.public_jwk(), algorithm=LOCAL_ALGORITHM)
        return self._verifying_key


def _signing_keys(document: Any) -> dict[str, jwt.PyJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksUnavailable("JWKS document has no 'keys' list")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        # Keys without kid cannot be chosen safely; encryption keys never verify a signature.
        if not isinstance(kid, str) or not kid or entry.get("use", "sig") != "sig":
            continue
        if any(private in entry for private in ("d", "p", "q", "k")):
            continue
        try:
            keys[kid] = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue  # a key type we do not verify with (e.g. OKP without its extra)
    return keys


class RemoteJwks:
    """An OpenID provider's signing keys, found through discovery and cached by ``kid``.

    An unknown ``kid`` triggers a refresh (keys rotate), but at most once per
    ``min_refresh_interval`` seconds: a flood of tokens with made-up ``kid``\\s costs the provider
    one request per interval, not one per token.
    """

    def __init__(
        self,
        issuer: str,
        *,
        jwks_uri: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 5.0,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._jwks_uri = jwks_uri
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._last_attempt: float | None = None
        self._last_failure: JwksUnavailable | None = None
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> jwt.PyJWK:
        """The cached key, or the key after one refresh if the interval allows it."""
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid in self._keys:
                return self._keys[kid]
            if self._may_refresh():
                await self._refresh()
            elif self._last_failure is not None:
                raise JwksUnavailable(str(self._last_failure))
            if kid in self._keys:
                return self._keys[kid]
        raise UnknownKey(kid)

    async def refresh(self) -> None:
        """Fetch the keys now (e.g. at startup), regardless of the interval."""
        async with self._lock:
            await self._refresh()

    async def aclose(self) -> None:
        """Close the HTTP session if this object opened it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _may_refresh(self) -> bool:
        last = self._last_attempt
        return last is None or self._clock() - last >= self._min_refresh_interval

    async def _refresh(self) -> None:
        self._last_attempt = self._clock()
        try:
            if self._jwks_uri is None:
                self._jwks_uri = await self._discover_jwks_uri()
            self._keys = _signing_keys(await self._get_json(self._jwks_uri))
        except JwksUnavailable as exc:
            self._last_failure = exc
            raise
        self._last_failure = None

    async def _discover_jwks_uri(self) -> str:
        """GET {issuer}/.well-known/openid-configuration"""
        document = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        if not isinstance(document, dict):
            raise JwksUnavailable("discovery document is not a JSON object")
        # OpenID Connect Discovery §4.3: the document must name the issuer we asked about.
        if document.get("issuer") != self.issuer:
            raise JwksUnavailable(f"discovery names issuer {document.get('issuer')!r}")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise JwksUnavailable("discovery document has no jwks_uri")
        return jwks_uri

    async def _get_json(self, url: str) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.get(
                url, timeout=self._timeout, headers={"Accept": "application/json"}
            ) as response:
                if response.status != 200:
                    raise JwksUnavailable(f"GET {url} answered {response.status}")
                return await response.json(content_type=None)
        except TimeoutError as exc:
            raise JwksUnavailable(f"GET {url} timed out") from exc
        except (aiohttp.ClientError, ValueError) as exc:
            raise JwksUnavailable(f"GET {url} failed: {exc}") from exc
