"""The per-jurisdiction catalogue as the back office edits it, independent of GraphQL."""
