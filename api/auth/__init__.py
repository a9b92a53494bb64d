"""Identity: passwords, tokens, the caller principal and permission checks."""
