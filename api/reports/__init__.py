"""Report domain: submission, routing, workflow and visibility; knows nothing of GraphQL."""
