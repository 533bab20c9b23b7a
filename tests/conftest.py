"""Suite-wide fixtures. Servers (real Radicale, WsgiDAV, OIDC provider) and doubles live in
their own plugin modules so any test may ask for them by fixture name."""

pytest_plugins = [
    "tests.support.hub_fixtures",
    "tests.servers.radicale",
    "tests.servers.wsgidav",
    "tests.servers.oidc_provider",
    "tests.doubles.keycloak",
    "tests.doubles.nextcloud",
]
