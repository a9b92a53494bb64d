"""HTTP routes of the integrator API."""

from starlette.routing import Route

from api.integrators.oauth import token_endpoint


def routes() -> list[Route]:
    return [Route("/oauth/token", token_endpoint, methods=["POST"])]
