"""Deployment files: YAML syntax and the structure the docs promise.

Docker and Kubernetes do not run here, so these checks stop at parsing the files
and cross-checking names; nothing is started from them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from api.config import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
K8S = DEPLOY / "k8s"
PRODUCTION_SECRETS = {
    "FXX_DATABASE_URL", "FXX_JWT_PRIVATE_KEY", "FXX_PASS_SIGNING_KEY", "FXX_DATA_ENCRYPTION_KEY",
    "FXX_DATA_HASH_KEY", "FXX_S3_SECRET_ACCESS_KEY",
}
# Environment variables that are not FXX_ settings but are read by uvicorn or the images.
OTHER_VARIABLES = {"FORWARDED_ALLOW_IPS", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "REDIS_PASSWORD"}


def load_documents(path: Path) -> list[dict]:
    return [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document is not None]


def k8s_documents() -> dict[str, dict]:
    """Every Kubernetes object in deploy/k8s, by kind and name ("Deployment/fengxingxia-api")."""
    objects = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in load_documents(path):
            if document.get("kind") == "Kustomization":
                continue
            objects[f"{document['kind']}/{document['metadata']['name']}"] = document
    return objects


def assert_known_setting(variable: str) -> None:
    if variable in OTHER_VARIABLES:
        return
    assert variable.startswith("FXX_"), variable
    assert variable.removeprefix("FXX_").lower() in Settings.model_fields, f"{variable} is not a setting"


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*.yaml")), ids=lambda path: str(path.relative_to(DEPLOY)))
def test_yaml_parses(path):
    documents = load_documents(path)

    assert documents
    assert all(isinstance(document, dict) for document in documents)


def test_compose_services():
    compose = load_documents(DEPLOY / "compose.yaml")[0]
    services = compose["services"]

    assert {"api", "migrate", "postgres", "redis", "s3", "proxy"} <= set(services)
    assert services["api"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["api"]
    assert "fengxingxia migrate" in " ".join(services["migrate"]["command"])
    assert services["api"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert set(compose["configs"]) == {"seaweedfs-s3", "caddyfile"}
    assert "respond /metrics 404" in compose["configs"]["caddyfile"]["content"]


def test_compose_environment_names_settings():
    compose = load_documents(DEPLOY / "compose.yaml")[0]
    environment = compose["services"]["api"]["environment"]

    assert environment == compose["services"]["migrate"]["environment"]
    assert environment["FXX_ENVIRONMENT"] == "production"
    assert PRODUCTION_SECRETS <= set(environment)
    for variable in environment:
        assert_known_setting(variable)


def test_compose_secrets_have_no_defaults():
    """A secret missing from .env stops compose with a message, instead of starting with a default."""
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")

    for variable in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "FXX_JWT_PRIVATE_KEY", "FXX_PASS_SIGNING_KEY",
                     "FXX_DATA_ENCRYPTION_KEY", "FXX_DATA_HASH_KEY", "FXX_S3_SECRET_ACCESS_KEY"):
        assert re.search(r"\$\{" + variable + r":\?", text), variable
        assert not re.search(r"\$\{" + variable + r":-", text), variable


def test_env_example_holds_placeholders_only():
    lines = [line for line in (DEPLOY / "fengxingxia.env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    values = dict(line.split("=", 1) for line in lines)

    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "FXX_JWT_PRIVATE_KEY", "FXX_PASS_SIGNING_KEY",
                 "FXX_DATA_ENCRYPTION_KEY", "FXX_DATA_HASH_KEY", "FXX_S3_ACCESS_KEY_ID", "FXX_S3_SECRET_ACCESS_KEY"):
        assert values[name].strip('"') == "change-me", name


def test_kustomization_lists_existing_files():
    kustomization = load_documents(K8S / "kustomization.yaml")[0]

    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    assert "secret.template.yaml" not in kustomization["resources"]
    assert "migrate-job.yaml" not in kustomization["resources"]


def test_k8s_objects_have_the_basics():
    objects = k8s_documents()

    assert {
        "Deployment/fengxingxia-api", "Service/fengxingxia-api", "Job/fengxingxia-migrate",
        "HorizontalPodAutoscaler/fengxingxia-api", "Secret/fengxingxia-secrets", "ConfigMap/fengxingxia-config",
        "PodDisruptionBudget/fengxingxia-api", "CronJob/fengxingxia-media-cleanup", "Namespace/fengxingxia",
    } <= set(objects)
    for name, document in objects.items():
        assert document["apiVersion"], name
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "fengxingxia", name


def test_deployment_probes_and_service():
    objects = k8s_documents()
    deployment = objects["Deployment/fengxingxia-api"]
    service = objects["Service/fengxingxia-api"]
    hpa = objects["HorizontalPodAutoscaler/fengxingxia-api"]
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    port_names = {port["name"] for port in container["ports"]}

    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["port"] in port_names
    assert container["livenessProbe"]["httpGet"]["port"] in port_names
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["sessionAffinity"] == "None"
    assert service["spec"]["ports"][0]["targetPort"] in port_names
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "fengxingxia-api"}
    assert hpa["spec"]["minReplicas"] >= 2
    # The HPA's CPU target is a share of the request, so the request must be set.
    assert container["resources"]["requests"]["cpu"]


def test_k8s_environment_names_settings():
    objects = k8s_documents()
    config = objects["ConfigMap/fengxingxia-config"]["data"]
    secret = objects["Secret/fengxingxia-secrets"]["stringData"]

    assert config["FXX_ENVIRONMENT"] == "production"
    assert PRODUCTION_SECRETS <= set(secret)
    assert not set(config) & set(secret)
    for variable in [*config, *secret]:
        assert_known_setting(variable)
    assert set(secret.values()) == {"change-me"}


def test_workloads_read_config_and_secret():
    objects = k8s_documents()
    pods = {
        "Deployment/fengxingxia-api": objects["Deployment/fengxingxia-api"]["spec"]["template"],
        "Job/fengxingxia-migrate": objects["Job/fengxingxia-migrate"]["spec"]["template"],
        "CronJob/fengxingxia-media-cleanup":
            objects["CronJob/fengxingxia-media-cleanup"]["spec"]["jobTemplate"]["spec"]["template"],
    }

    for name, pod in pods.items():
        container = pod["spec"]["containers"][0]
        sources = [next(iter(source.values()))["name"] for source in container["envFrom"]]
        assert sources == ["fengxingxia-config", "fengxingxia-secrets"], name
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True, name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
    assert "fengxingxia migrate" in " ".join(pods["Job/fengxingxia-migrate"]["spec"]["containers"][0]["command"])
