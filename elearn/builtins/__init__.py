"""Default plugins: core features, loaded exactly like third-party plugins."""
