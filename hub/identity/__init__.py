"""Who is calling: access-token verification against the hub's own key (embedded mode) or an
OpenID Connect provider's published keys, through one validation path."""
