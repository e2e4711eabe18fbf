"""Identity: the local OpenID Connect provider, and signing in to it."""
