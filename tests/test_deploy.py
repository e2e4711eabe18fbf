"""The deployment files say what the services need: each kustomize tree is rendered the way
`kubectl apply -k` would render it, and the objects are checked against the code's own facts
(its settings, its ports, its commands) rather than against a copy of the YAML.

Offline and fast: `kubectl kustomize` only renders, it never talks to a cluster. Schema
validation and the linters are in .ci/deploy-checks.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import SecretStr

from erestaurant import cli
from erestaurant.platform.settings import (
    AuthenticatedSettings,
    CannotStart,
    Settings,
)
from erestaurant.services import NAMES, REGISTRY, WITH_DATABASE

ROOT = Path(__file__).parents[1]
K8S = ROOT / "deploy" / "k8s"
TREES = ("base", "overlays/single-node", "overlays/production")
OVERLAYS = TREES[1:]
IMAGE_USER = 10001
# Being added to the settings; the manifests set it already (5 s in Kubernetes).
SHUTDOWN_DELAY = "ERESTAURANT_SHUTDOWN_DELAY_SECONDS"
# After the shutdown delay: up to 10 s draining requests and 10 s publishing the outbox.
DRAIN_SECONDS = 10 + 10

Obj = dict[str, Any]


def _variable(cls: type[Settings], name: str) -> str:
    # As erestaurant.settings_reference names them for docs/configuration.md.
    alias = cls.model_fields[name].validation_alias
    if isinstance(alias, str):
        return alias
    return f"{cls.model_config.get('env_prefix', '')}{name}".upper()


SETTING_NAMES = {
    _variable(cls, name)
    for cls in (s.settings for s in REGISTRY.values())
    for name in cls.model_fields
}
SETTING_NAMES.add(SHUTDOWN_DELAY)


def _default_port(service: str) -> int:
    port = REGISTRY[service].settings.model_fields["port"].default
    assert isinstance(port, int)
    return port


@functools.cache
def render(tree: str) -> tuple[Obj, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "kubectl is not installed: tests/test_deploy.py renders deploy/k8s with"
            " `kubectl kustomize` (no cluster needed). Install kubectl to run it."
        )
    done = subprocess.run(
        [kubectl, "kustomize", str(K8S / tree)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize {tree} failed:\n{done.stderr}"
    objects = tuple(o for o in yaml.safe_load_all(done.stdout) if o)
    assert objects, f"{tree} renders nothing"
    return objects


def of_kind(tree: str, kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in render(tree) if o["kind"] == kind}


def generated(tree: str, kind: str, name: str) -> Obj:
    """The ConfigMap or Secret a generator made (its name carries a content hash)."""
    found = [
        o
        for o in render(tree)
        if o["kind"] == kind and re.fullmatch(rf"{name}(-[a-z0-9]+)?", o["metadata"]["name"])
    ]
    assert len(found) == 1, f"{tree}: expected one {kind} {name}, found {len(found)}"
    return found[0]


def config(tree: str) -> dict[str, str]:
    data: dict[str, str] = generated(tree, "ConfigMap", "erestaurant-config")["data"]
    return data


def secrets(tree: str) -> dict[str, str]:
    """The generated Secret's values, decoded."""
    secret = generated(tree, "Secret", "erestaurant-secrets")
    values = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    return {**values, **secret.get("stringData", {})}


def source(tree: str, container: Obj, variable: str) -> tuple[str, Any] | None:
    """Where a container's variable comes from, as Kubernetes resolves it: ("value", the
    literal) or ("valueFrom", the reference) from `env`, which wins; else ("ConfigMap" or
    "Secret", the value) from the last of the generated `envFrom` sources that has it."""
    for entry in container.get("env", []):
        if entry["name"] == variable:
            if "valueFrom" in entry:
                return ("valueFrom", entry["valueFrom"])
            return ("value", entry.get("value", ""))
    config_map = generated(tree, "ConfigMap", "erestaurant-config")["metadata"]["name"]
    secret = generated(tree, "Secret", "erestaurant-secrets")["metadata"]["name"]
    found = None
    for ref in container.get("envFrom", []):
        if ref.get("configMapRef", {}).get("name") == config_map and variable in config(tree):
            found = ("ConfigMap", config(tree)[variable])
        if ref.get("secretRef", {}).get("name") == secret and variable in secrets(tree):
            found = ("Secret", secrets(tree)[variable])
    return found


def containers(deployment: Obj) -> list[Obj]:
    pod = deployment["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def main_container(deployment: Obj) -> Obj:
    name = deployment["metadata"]["name"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["name"] == name
    found: Obj = container
    return found


def uses_sqlite(tree: str, service: str) -> bool:
    return service in WITH_DATABASE and not config(tree).get(f"{service.upper()}_DATABASE_URL")


def hpas_by_target(tree: str) -> dict[str, Obj]:
    hpas = of_kind(tree, "HorizontalPodAutoscaler").values()
    return {h["spec"]["scaleTargetRef"]["name"]: h for h in hpas}


# -- every Deployment -----------------------------------------------------------------------


def test_the_code_says_which_processes_have_a_database() -> None:
    # Guards the tests that go by WITH_DATABASE against checking nothing, or everything.
    assert {"hall", "kitchen", "payment", "workercenter", "notification"} <= set(WITH_DATABASE)
    assert not set(WITH_DATABASE) & {"gateway", "web"}


@pytest.mark.parametrize("tree", TREES)
def test_there_is_one_deployment_per_service_running_that_service(tree: str) -> None:
    deployments = of_kind(tree, "Deployment")
    assert set(deployments) == set(NAMES)
    for service, deployment in deployments.items():
        container = main_container(deployment)
        assert container["image"].split("/")[-1].split(":")[0].split("@")[0] == "erestaurant"
        assert container["args"] == ["serve", service], f"{tree}: {service} runs another command"
        assert not container.get("command"), "the image's ENTRYPOINT (erestaurant) must stay"
        ports = container["ports"]
        assert [p["containerPort"] for p in ports] == [_default_port(service)], (
            f"{tree}: {service} listens on {_default_port(service)} ({service.upper()}_PORT)"
        )


@pytest.mark.parametrize("tree", OVERLAYS)
def test_the_image_an_overlay_names_is_the_image_every_pod_runs(tree: str) -> None:
    # CI deploys with `kustomize edit set image erestaurant=...` in the overlay: that only
    # works while nothing below the overlay renames the image.
    kustomization = yaml.safe_load((K8S / tree / "kustomization.yaml").read_text())
    (entry,) = [i for i in kustomization["images"] if i["name"] == "erestaurant"]
    expected = entry["newName"]
    if "newTag" in entry:
        expected += f":{entry['newTag']}"
    if "digest" in entry:
        expected += f"@{entry['digest']}"
    for service, deployment in of_kind(tree, "Deployment").items():
        for container in containers(deployment):
            assert container["image"] == expected, f"{tree}: {service}/{container['name']}"


def _probe_port(container: Obj, probe: Obj) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for p in container["ports"]}
    assert port in named, f"probe port {port!r} is not a port of {container['name']}"
    number: int = named[port]
    return number


@pytest.mark.parametrize("tree", TREES)
def test_probes_ask_the_service_on_its_own_port(tree: str) -> None:
    for service, deployment in of_kind(tree, "Deployment").items():
        container = main_container(deployment)
        port = _default_port(service)
        expected = {
            "readinessProbe": "/health/ready",
            "livenessProbe": "/health/live",
            "startupProbe": "/health/live",
        }
        for kind, path in expected.items():
            probe = container.get(kind)
            assert probe, f"{tree}: {service} has no {kind}"
            assert probe["httpGet"]["path"] == path, f"{tree}: {service} {kind}"
            assert _probe_port(container, probe) == port, f"{tree}: {service} {kind} port"
        # A start gets far longer than a liveness check allows for a hung process.
        startup = container["startupProbe"]
        liveness = container["livenessProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 60
        assert liveness["periodSeconds"] * liveness["failureThreshold"] <= 60


@pytest.mark.parametrize("tree", TREES)
def test_every_container_has_requests_and_limits(tree: str) -> None:
    for service, deployment in of_kind(tree, "Deployment").items():
        for container in containers(deployment):
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), (
                    f"{tree}: {service}/{container['name']} has no cpu and memory {bound}"
                )


@pytest.mark.parametrize("tree", TREES)
def test_pods_run_as_the_images_non_root_user_on_a_read_only_root(tree: str) -> None:
    for service, deployment in of_kind(tree, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        pod_security = pod.get("securityContext", {})
        assert pod_security.get("runAsNonRoot") is True
        assert pod_security.get("runAsUser") == IMAGE_USER
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault"
        assert pod.get("automountServiceAccountToken") is False
        tmp_volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for container in containers(deployment):
            where = f"{tree}: {service}/{container['name']}"
            security = container.get("securityContext", {})
            assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, where
            assert security.get("runAsUser", IMAGE_USER) == IMAGE_USER, where
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert security.get("capabilities", {}).get("drop") == ["ALL"], where
            seccomp = security.get("seccompProfile", pod_security.get("seccompProfile", {}))
            assert seccomp.get("type") == "RuntimeDefault", where
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in tmp_volumes, f"{where}: no writable /tmp (emptyDir)"


@pytest.mark.parametrize("tree", TREES)
def test_no_service_links_shadow_the_services_own_port_settings(tree: str) -> None:
    # With service links, a Service named hall would set HALL_PORT=tcp://... in every pod.
    for service, deployment in of_kind(tree, "Deployment").items():
        assert deployment["spec"]["template"]["spec"].get("enableServiceLinks") is False, service


@pytest.mark.parametrize("tree", TREES)
def test_termination_grace_covers_the_shutdown_delay_and_the_drain(tree: str) -> None:
    delay = float(config(tree).get(SHUTDOWN_DELAY, "0"))
    assert delay > 0, f"{tree}: {SHUTDOWN_DELAY} is not set"
    for service, deployment in of_kind(tree, "Deployment").items():
        grace = deployment["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
        assert grace >= 25, f"{tree}: {service}"
        assert grace >= delay + DRAIN_SECONDS, f"{tree}: {service} is killed mid-shutdown"


@pytest.mark.parametrize("tree", TREES)
def test_services_with_a_database_migrate_it_before_they_start(tree: str) -> None:
    for service, deployment in of_kind(tree, "Deployment").items():
        init = deployment["spec"]["template"]["spec"].get("initContainers", [])
        if service not in WITH_DATABASE:
            assert not init, f"{tree}: {service} has nothing to migrate"
            continue
        assert [c["args"] for c in init] == [["migrate", service]], f"{tree}: {service}"
        main = main_container(deployment)
        assert init[0]["image"] == main["image"], "the migrations of the version that starts"
        for key in ("envFrom", "env"):
            assert init[0].get(key) == main.get(key), f"{tree}: {service}: same {key}"


@pytest.mark.parametrize("tree", TREES)
def test_every_pod_reads_the_shared_config_and_secret(tree: str) -> None:
    config_map = generated(tree, "ConfigMap", "erestaurant-config")["metadata"]["name"]
    secret = generated(tree, "Secret", "erestaurant-secrets")["metadata"]["name"]
    for service, deployment in of_kind(tree, "Deployment").items():
        for container in containers(deployment):
            sources = container.get("envFrom", [])
            assert {"configMapRef": {"name": config_map}} in sources, service
            assert {"secretRef": {"name": secret}} in sources, service


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("tree", TREES)
def test_every_setting_the_manifests_give_is_one_the_services_read(tree: str) -> None:
    given = set(config(tree))
    given |= set(generated(tree, "Secret", "erestaurant-secrets").get("data", {}))
    for deployment in of_kind(tree, "Deployment").values():
        for container in containers(deployment):
            given |= {e["name"] for e in container.get("env", [])}
    unknown = sorted(given - SETTING_NAMES)
    assert not unknown, f"{tree}: not settings of any service (docs/configuration.md): {unknown}"


@pytest.mark.parametrize("tree", TREES)
def test_no_setting_of_the_image_is_overridden_back_to_loopback(tree: str) -> None:
    for name, value in config(tree).items():
        if name.endswith("_HOST"):
            assert value == "0.0.0.0", f"{tree}: {name}={value} is unreachable from other pods"


# Services that production's Helm charts create (docs/deploy.md), not the overlay.
FROM_CHARTS = {"overlays/production": {"nats": {4222}}}


def _services(tree: str) -> dict[str, set[int]]:
    services = {
        name: {p["port"] for p in service["spec"]["ports"]}
        for name, service in of_kind(tree, "Service").items()
    }
    return {**FROM_CHARTS.get(tree, {}), **services}


def _outside_the_cluster(variable: str) -> bool:
    # The browsers' way in, and the company's identity provider: addresses, not Services.
    return variable == "GATEWAY_PUBLIC_URL" or variable.startswith("ERESTAURANT_AUTH_")


@pytest.mark.parametrize("tree", OVERLAYS)
def test_the_urls_between_services_name_services_that_exist(tree: str) -> None:
    services = _services(tree)
    settings = config(tree)
    urls = {
        k: v
        for k, v in settings.items()
        if k.endswith("_URL") and "DATABASE" not in k and not _outside_the_cluster(k)
    }
    assert "ERESTAURANT_NATS_URL" in urls
    for name, value in urls.items():
        for url in value.split(","):
            parts = urlsplit(url.strip())
            assert parts.hostname in services, f"{tree}: {name} names no Service: {url}"
            assert parts.port in services[parts.hostname], f"{tree}: {name}: wrong port {url}"


def test_each_gateway_route_goes_to_its_service() -> None:
    settings = config("base")
    for service in NAMES:
        if service == "gateway":
            continue
        url = urlsplit(settings[f"GATEWAY_{service.upper()}_URL"])
        assert (url.hostname, url.port) == (service, _default_port(service))
    kitchen = urlsplit(settings["HALL_KITCHEN_URL"])
    assert (kitchen.hostname, kitchen.port) == ("kitchen", _default_port("kitchen"))


def _service_port_reaches(tree: str, url: str, service: str) -> None:
    """``url`` names the Service of ``service`` on one of its ports, and that port goes to
    the port the service's container listens on (its settings' default port)."""
    parts = urlsplit(url.strip())
    assert parts.scheme == "http", f"{tree}: {url}"
    assert parts.hostname == service, f"{tree}: {url} is not the {service} Service"
    target = of_kind(tree, "Service")[service]
    (port,) = [p for p in target["spec"]["ports"] if p["port"] == parts.port] or [None]
    assert port is not None, f"{tree}: the {service} Service has no port {parts.port}: {url}"
    deployment = of_kind(tree, "Deployment")[service]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert target["spec"]["selector"].items() <= pod_labels.items(), f"{tree}: {service}"
    container = main_container(deployment)
    named = {p.get("name"): p["containerPort"] for p in container["ports"]}
    target_port = port.get("targetPort", port["port"])
    listening = named.get(target_port) if isinstance(target_port, str) else target_port
    assert listening == _default_port(service), (
        f"{tree}: {url} reaches port {listening} of {service}, which listens on"
        f" {_default_port(service)}"
    )


@pytest.mark.parametrize("tree", TREES)
def test_the_gateway_sends_the_screens_to_the_web_service(tree: str) -> None:
    # `/`, /kiosk, /kitchen, /me, /payroll, /ops and /assets go to GATEWAY_WEB_URL.
    urls = config(tree).get("GATEWAY_WEB_URL", "")
    assert urls, f"{tree}: GATEWAY_WEB_URL is not set: the screens would go to 127.0.0.1"
    for url in urls.split(","):
        _service_port_reaches(tree, url, "web")


@pytest.mark.parametrize("tree", TREES)
def test_the_screens_read_each_service_at_its_service(tree: str) -> None:
    web = REGISTRY["web"].settings
    # Its own WEB_<SERVICE>_URL settings, not the shared ERESTAURANT_AUTH_* URLs.
    services = [
        name.removesuffix("_url")
        for name, field in web.model_fields.items()
        if name.endswith("_url") and field.validation_alias is None
    ]
    assert services, "WebSettings names no service URL"
    for service in services:
        variable = _variable(web, f"{service}_url")
        urls = config(tree).get(variable, "")
        assert urls, f"{tree}: {variable} is not set: web would look for {service} on 127.0.0.1"
        for url in urls.split(","):
            _service_port_reaches(tree, url, service)


@pytest.mark.parametrize("tree", OVERLAYS)
def test_a_service_on_a_database_server_never_uses_a_placeholder_password(tree: str) -> None:
    for service, deployment in of_kind(tree, "Deployment").items():
        if service not in WITH_DATABASE or uses_sqlite(tree, service):
            continue
        variable = f"{service.upper()}_DATABASE_PASSWORD"
        for container in containers(deployment):
            env = {e["name"]: e for e in container.get("env", [])}
            assert "secretKeyRef" in env.get(variable, {}).get("valueFrom", {}), (
                f"{tree}: {service}/{container['name']} takes {variable} from the placeholders"
            )


# -- identity -------------------------------------------------------------------------------


def development_secrets(service: str) -> dict[str, str]:
    """The variables of a service's development secrets, and their defaults in the code:
    known to anyone who reads it, refused in production (AuthenticatedSettings)."""
    cls = REGISTRY[service].settings
    if not issubclass(cls, AuthenticatedSettings):
        return {}
    found: dict[str, str] = {}
    for name in cls.development_secrets:
        default = cls.model_fields[name].default
        assert isinstance(default, SecretStr), f"{cls.__name__}.{name} is not a SecretStr"
        found[_variable(cls, name)] = default.get_secret_value()
    return found


DEVELOPMENT_SECRETS = {v: d for s in NAMES for v, d in development_secrets(s).items()}
PROVIDER_URLS = (
    "ERESTAURANT_AUTH_ISSUER",
    "ERESTAURANT_AUTH_JWKS_URL",
    "ERESTAURANT_AUTH_TOKEN_URL",
)


def test_the_code_has_development_secrets_to_keep_out_of_the_manifests() -> None:
    # Guards the tests below against checking nothing: hall's client, the gateway's client
    # and its session key have development defaults.
    assert development_secrets("hall")
    assert len(development_secrets("gateway")) >= 2


@pytest.mark.parametrize("tree", TREES)
def test_every_pod_runs_in_production_against_an_https_provider(tree: str) -> None:
    local_issuer = REGISTRY["gateway"].settings.model_fields["auth_issuer"].default
    for service, deployment in of_kind(tree, "Deployment").items():
        for container in containers(deployment):
            where = f"{tree}: {service}/{container['name']}"
            environment = source(tree, container, "ERESTAURANT_ENVIRONMENT")
            assert environment, f"{where}: no ERESTAURANT_ENVIRONMENT"
            assert environment[1] == "production", f"{where}: {environment}"
            assert source(tree, container, "ERESTAURANT_AUTH_ISSUER"), f"{where}: no issuer"
            for variable in PROVIDER_URLS:
                given = source(tree, container, variable)
                if given is None:
                    continue  # the JWKS and token URLs default to the provider's discovery
                assert given[0] in ("ConfigMap", "value"), f"{where}: {variable}: {given}"
                url = urlsplit(given[1])
                assert url.scheme == "https", f"{where}: {variable}={given[1]}"
                assert url.hostname, f"{where}: {variable}={given[1]}"
                assert given[1] != local_issuer, f"{where}: {variable} is the local provider"
                assert url.hostname not in ("localhost", "127.0.0.1", "::1"), where


@pytest.mark.parametrize("tree", TREES)
def test_the_gateway_sends_browsers_back_to_its_own_ingress(tree: str) -> None:
    # The provider redirects to <GATEWAY_PUBLIC_URL>/auth/callback after a sign-in.
    public = urlsplit(config(tree)["GATEWAY_PUBLIC_URL"])
    (ingress,) = of_kind(tree, "Ingress").values()
    hosts = {rule.get("host") for rule in ingress["spec"]["rules"]}
    assert public.scheme == "https", f"{tree}: browsers sign in over https"
    assert public.hostname in hosts, f"{tree}: GATEWAY_PUBLIC_URL is not the Ingress ({hosts})"
    assert public.path in ("", "/"), f"{tree}: {public.geturl()}: /auth/callback is added"
    assert not public.query, f"{tree}: {public.geturl()}"


@pytest.mark.parametrize("tree", TREES)
def test_no_value_given_is_a_development_secret_of_the_code(tree: str) -> None:
    given = [(f"ConfigMap {k}", v) for k, v in config(tree).items()]
    given += [(f"Secret {k}", v) for k, v in secrets(tree).items()]
    for service, deployment in of_kind(tree, "Deployment").items():
        for container in containers(deployment):
            for entry in container.get("env", []):
                if "value" in entry:
                    given.append((f"{service}/{container['name']} {entry['name']}", entry["value"]))
    defaults = {default: variable for variable, default in DEVELOPMENT_SECRETS.items()}
    leaked = [f"{where} is the default of {defaults[v]}" for where, v in given if v in defaults]
    assert not leaked, f"{tree}: production refuses to start on these: {leaked}"


@pytest.mark.parametrize("tree", TREES)
def test_each_service_gets_its_secrets_from_a_secret(tree: str) -> None:
    # Every container of a service (the migration loads its settings too) gets each of its
    # development secrets: never from a ConfigMap or a literal, and in an overlay not from
    # the base's placeholders, which the code would accept (they are not its defaults).
    for service, deployment in of_kind(tree, "Deployment").items():
        for container in containers(deployment):
            where = f"{tree}: {service}/{container['name']}"
            for variable, default in development_secrets(service).items():
                given = source(tree, container, variable)
                assert given is not None, f"{where} does not get {variable}"
                kind, value = given
                if tree in OVERLAYS:
                    assert kind == "valueFrom", f"{where}: {variable} from the placeholders"
                    assert "secretKeyRef" in value, f"{where}: {variable}: {given}"
                    assert value["secretKeyRef"].get("optional") is not True, where
                else:
                    assert kind in ("Secret", "valueFrom"), f"{where}: {variable}: {kind}"
                if kind == "Secret":
                    assert value != default, f"{where}: {variable} is the development default"


def _environment(tree: str, container: Obj) -> dict[str, str]:
    """A container's variables from the generated ConfigMap and Secret and its `env`; what
    another Secret holds is stood in for (not in git)."""
    variables = {v: given for v in SETTING_NAMES if (given := source(tree, container, v))}
    environment: dict[str, str] = {}
    for variable, (kind, value) in variables.items():
        if kind == "valueFrom":
            ref = value.get("secretKeyRef") or value.get("configMapKeyRef") or {}
            value = f"stand-in-for-{ref.get('name')}-{ref.get('key')}-{variable}"
        environment[variable] = value
    return environment


@pytest.mark.parametrize("tree", TREES)
def test_every_service_accepts_its_settings_in_production(
    tree: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the code itself says of the settings a pod is given: it loads them, with no
    # development secret left (with ERESTAURANT_ENVIRONMENT=production it would stop).
    for service, deployment in of_kind(tree, "Deployment").items():
        for container in containers(deployment):
            with monkeypatch.context() as patched:
                for variable in SETTING_NAMES:
                    patched.delenv(variable, raising=False)
                for variable, value in _environment(tree, container).items():
                    patched.setenv(variable, value)
                try:
                    settings = REGISTRY[service].settings.load()
                except CannotStart as exc:
                    pytest.fail(f"{tree}: {service}/{container['name']}: {exc.message}")
            assert isinstance(settings, AuthenticatedSettings)
            assert settings.environment == "production", f"{tree}: {service}"


# -- scaling and state ----------------------------------------------------------------------


@pytest.mark.parametrize("tree", TREES)
def test_every_autoscaler_scales_a_deployment_on_cpu(tree: str) -> None:
    deployments = of_kind(tree, "Deployment")
    for name, hpa in of_kind(tree, "HorizontalPodAutoscaler").items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment"), name
        assert target["name"] in deployments, f"{tree}: HPA {name} scales nothing"
        assert "replicas" not in deployments[target["name"]]["spec"], (
            f"{tree}: {target['name']} has replicas and an HPA: every apply would reset it"
        )
        metrics = {m["resource"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"}
        assert "cpu" in metrics, name
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("tree", TREES)
def test_the_load_taking_services_scale(tree: str) -> None:
    hpas = hpas_by_target(tree)
    for service in ("gateway", "web", "hall", "kitchen", "workercenter"):
        if not uses_sqlite(tree, service):
            assert service in hpas, f"{tree}: {service} has no autoscaler"


@pytest.mark.parametrize("tree", TREES)
def test_a_service_on_sqlite_keeps_its_file_on_a_volume_and_runs_alone(tree: str) -> None:
    claims = of_kind(tree, "PersistentVolumeClaim")
    hpas = hpas_by_target(tree)
    data_dir = config(tree)["ERESTAURANT_DATA_DIR"]
    sqlite = [s for s in NAMES if uses_sqlite(tree, s)]
    assert "notification" in sqlite, "notification keeps SQLite in every profile"
    if tree == "overlays/single-node":
        assert set(sqlite) == set(WITH_DATABASE)
    for service in sqlite:
        deployment = of_kind(tree, "Deployment")[service]
        if tree == "base" and service != "notification":
            continue  # the base leaves hall, kitchen, ... to the overlays
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in containers(deployment):
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert data_dir in mounts, f"{tree}: {service}/{container['name']}: {data_dir}"
            claim = volumes[mounts[data_dir]].get("persistentVolumeClaim", {}).get("claimName")
            assert claim in claims, f"{tree}: {service} keeps its SQLite file on no volume"
        # Every commit synced: a power cut takes back none whose events were acknowledged.
        for container in containers(deployment):
            synced = _environment(tree, container).get("ERESTAURANT_SQLITE_SYNCHRONOUS")
            assert synced == "FULL", f"{tree}: {service}/{container['name']}"
        # SQLite on a ReadWriteOnce volume: one writer.
        assert deployment["spec"].get("replicas", 1) == 1, f"{tree}: {service}"
        assert deployment["spec"]["strategy"]["type"] == "Recreate", f"{tree}: {service}"
        assert service not in hpas, f"{tree}: {service} on SQLite cannot scale"


@pytest.mark.parametrize("tree", TREES)
def test_disruption_budgets_and_services_select_real_pods(tree: str) -> None:
    labels = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in of_kind(tree, "Deployment").items()
    }
    for workload in ("StatefulSet",):
        for name, s in of_kind(tree, workload).items():
            labels[name] = s["spec"]["template"]["metadata"]["labels"]

    def selects(selector: dict[str, str]) -> bool:
        return any(selector.items() <= pod.items() for pod in labels.values())

    for name, service in of_kind(tree, "Service").items():
        assert selects(service["spec"]["selector"]), f"{tree}: Service {name} selects nothing"
    for name, pdb in of_kind(tree, "PodDisruptionBudget").items():
        assert selects(pdb["spec"]["selector"]["matchLabels"]), f"{tree}: PDB {name}"


def test_the_single_node_broker_is_jetstream_2_10_or_newer_on_a_volume() -> None:
    (nats,) = of_kind("overlays/single-node", "StatefulSet").values()
    (container,) = nats["spec"]["template"]["spec"]["containers"]
    version = re.match(r"nats:(\d+)\.(\d+)", container["image"])
    assert version, container["image"]
    assert (int(version[1]), int(version[2])) >= (2, 10), container["image"]
    assert [t["metadata"]["name"] for t in nats["spec"]["volumeClaimTemplates"]] == ["data"]
    conf = (K8S / "overlays" / "single-node" / "nats.conf").read_text()
    assert re.search(r"jetstream\s*\{[^}]*store_dir:\s*/data", conf)


def test_the_gateway_is_reachable_from_outside() -> None:
    for tree in TREES:
        (ingress,) = of_kind(tree, "Ingress").values()
        backends = [
            path["backend"]["service"]
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        ]
        assert backends == [{"name": "gateway", "port": {"name": "http"}}]


# ingress-nginx's proxy-read-timeout when the Ingress does not say (seconds).
NGINX_READ_TIMEOUT = 60


@pytest.mark.parametrize("tree", TREES)
def test_the_ingress_passes_the_screens_live_streams_through_unbuffered(tree: str) -> None:
    # web's server-sent events reach the browser through the gateway and its Ingress: a
    # buffering nginx would hold them back, and an idle one would cut a quiet stream.
    (ingress,) = of_kind(tree, "Ingress").values()
    assert ingress["spec"].get("ingressClassName") == "nginx", (
        f"{tree}: another ingress controller: say there how not to buffer the streams"
    )
    annotations = ingress["metadata"].get("annotations", {})
    assert annotations.get("nginx.ingress.kubernetes.io/proxy-buffering") == "off", tree
    read_timeout = float(
        annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout", NGINX_READ_TIMEOUT)
    )
    heartbeat = float(
        config(tree).get(
            "WEB_STREAM_HEARTBEAT_SECONDS",
            REGISTRY["web"].settings.model_fields["stream_heartbeat_seconds"].default,
        )
    )
    assert heartbeat * 2 <= read_timeout, f"{tree}: an idle stream is cut before its heartbeat"


def test_production_keeps_every_replicated_workload_under_a_disruption_budget() -> None:
    tree = "overlays/production"
    hpas = hpas_by_target(tree)
    budgeted = [
        pdb["spec"]["selector"]["matchLabels"]
        for pdb in of_kind(tree, "PodDisruptionBudget").values()
    ]
    for service, deployment in of_kind(tree, "Deployment").items():
        least = hpas[service]["spec"]["minReplicas"] if service in hpas else None
        least = least or deployment["spec"].get("replicas", 1)
        if least < 2:
            continue  # one replica (notification on its volume) must be allowed to move
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(s.items() <= labels.items() for s in budgeted), f"{service} has no PDB"


# -- the image ------------------------------------------------------------------------------


def _dockerfile_final_stage() -> dict[str, list[str]]:
    text = (ROOT / "Dockerfile").read_text()
    logical = re.sub(r"\\\n", " ", text)
    stage: dict[str, list[str]] = {}
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stage = {}
        stage.setdefault(instruction, []).append(rest.strip())
    return stage


def _exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"not the exec form: {value}"
    return [str(v) for v in parsed]


def test_the_image_runs_erestaurant_and_the_manifests_only_choose_the_command() -> None:
    stage = _dockerfile_final_stage()
    assert _exec_form(stage["ENTRYPOINT"][-1]) == ["erestaurant"]
    cmd = _exec_form(stage["CMD"][-1])
    assert cmd[0] == "serve"
    assert cmd[1] in NAMES
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["erestaurant"] == "erestaurant.cli:main"


@pytest.mark.parametrize("service", NAMES)
def test_the_command_line_each_container_runs_is_one_the_cli_accepts(
    service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = [["serve", service]]
    if service in WITH_DATABASE:
        commands.append(["migrate", service])
    for args in commands:
        # --help ends the parse of an accepted command line with exit 0 (nothing runs); a
        # service the command does not know ends it with exit 2.
        with pytest.raises(SystemExit) as exit_:
            cli.main([*args, "--help"])
        assert exit_.value.code == 0, f"erestaurant {shlex.join(args)} is refused"
    capsys.readouterr()


def _image_env(stage: dict[str, list[str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in stage["ENV"]:
        for token in shlex.split(line):
            key, _, value = token.partition("=")
            env[key] = value
    return env


def _exposed(stage: dict[str, list[str]]) -> set[int]:
    return {int(p) for line in stage["EXPOSE"] for p in line.split()}


@pytest.mark.parametrize("service", NAMES)
def test_the_image_listens_for_each_service_on_all_interfaces(service: str) -> None:
    stage = _dockerfile_final_stage()
    assert _image_env(stage).get(f"{service.upper()}_HOST") == "0.0.0.0", service
    assert _default_port(service) in _exposed(stage), service


def test_the_image_runs_as_a_non_root_user_with_its_data_on_the_volume() -> None:
    stage = _dockerfile_final_stage()
    env = _image_env(stage)
    assert env["ERESTAURANT_DATA_DIR"] == config("base")["ERESTAURANT_DATA_DIR"]
    assert set(env) - {"PATH"} <= SETTING_NAMES | {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
    assert _exposed(stage) <= {_default_port(s) for s in NAMES}, "a port no service uses"
    user = stage["USER"][-1].split(":")[0]
    assert user == str(IMAGE_USER), "a numeric user, the one the pods' runAsUser names"
