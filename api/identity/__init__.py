"""Registration, approval, login and sessions; knows nothing of GraphQL."""
