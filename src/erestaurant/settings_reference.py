"""The configuration reference (docs/configuration.md), generated from the settings classes.

``python -m erestaurant.settings_reference > docs/configuration.md`` rewrites it; a test
fails when the page and the classes disagree.
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from erestaurant.identity.local import LocalIdentitySettings
from erestaurant.platform.settings import Settings
from erestaurant.runner.nats import LocalNatsSettings
from erestaurant.runner.settings import RunnerSettings
from erestaurant.services import REGISTRY

HEADER = """# Configuration

Every setting is an environment variable, read at start by one settings class per service
(`src/erestaurant/*/settings.py`). Names starting with `ERESTAURANT_` are shared by every
service; the others belong to one service. A bad value stops the service at start with a
message that names the variable. `erestaurant up` sets `ERESTAURANT_DATA_DIR`,
`ERESTAURANT_NATS_URL` (unless you set it, to use a NATS server of your own), and the URLs
by which hall and the gateway reach the other services, from the ports below.

`erestaurant --env-file FILE ...` reads settings from a file of `KEY=VALUE` lines (a
profile, such as `profiles/production.env`); a variable already set in the environment
wins. On Kubernetes the same names come from a ConfigMap, and the `*_DATABASE_PASSWORD`
ones from a Secret (docs/persistence.md).

This page is generated: `python -m erestaurant.settings_reference > docs/configuration.md`.
"""


def _variable(cls: type[Settings], name: str, info: FieldInfo) -> str:
    if isinstance(info.validation_alias, str):
        return info.validation_alias
    return f"{cls.model_config.get('env_prefix', '')}{name}".upper()


def _default(info: FieldInfo) -> str:
    if info.default is None:
        return "(none)"
    if isinstance(info.default, SecretStr):
        return "a development secret"
    return f"`{info.default}`"


def render() -> str:
    shared: dict[str, str] = {}
    # `up`'s own settings, listed apart from the services'.
    local: dict[str, list[str]] = {"runner": [], "nats": [], "identity": []}
    sections = [HEADER]
    every: dict[str, type[Settings]] = {
        **{name: service.settings for name, service in REGISTRY.items()},
        "runner": RunnerSettings,
        "nats": LocalNatsSettings,
        "identity": LocalIdentitySettings,
    }
    for service, cls in every.items():
        rows = []
        for name, info in cls.model_fields.items():
            variable = _variable(cls, name, info)
            line = f"| `{variable}` | {_default(info)} | {info.description or ''} |"
            if service in local:
                if variable != "ERESTAURANT_LOG_LEVEL":  # listed with the shared ones
                    local[service].append(line)
            elif variable.startswith("ERESTAURANT_"):
                shared[variable] = line
            else:
                rows.append(line)
        if rows:
            sections.append(_table(f"## {service}", rows))
    sections.insert(1, _table("## Shared by every service", sorted(shared.values())))
    sections.append(
        _table("## How `erestaurant up` runs and watches the services", local["runner"])
    )
    sections.append(_table("## The NATS server of `erestaurant up`", local["nats"]))
    sections.append(
        _table("## The identity provider of `erestaurant up` (development only)", local["identity"])
    )
    return "\n".join(sections)


def _table(title: str, rows: list[str]) -> str:
    return "\n".join(
        [title, "", "| variable | default | what it is for |", "|---|---|---|", *rows, ""]
    )


if __name__ == "__main__":
    print(render(), end="")
