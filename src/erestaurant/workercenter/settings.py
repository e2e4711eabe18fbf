"""Workercenter's settings (environment variables prefixed WORKERCENTER_)."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy.engine import make_url

from erestaurant.platform.settings import Port, ServiceSettings


class WorkercenterSettings(ServiceSettings):
    service = "workercenter"
    accepts_redis = True
    port: Port = 8084

    database_url: str | None = None
    """Where the view lives: `redis://host:6379/0` for Redis, or an SQLAlchemy async URL as for
    the other services. Default: an SQLite file in the data folder. The view can be rebuilt from
    the event stream (`erestaurant rebuild-view`)."""

    key_prefix: str = Field("erestaurant:workercenter", min_length=1, pattern=r"^[^\s*?\[\]]+$")
    """With Redis: the prefix of every key of the view, so that several systems (or test runs)
    can share one Redis."""

    @property
    def uses_redis(self) -> bool:
        return self.database_url is not None and make_url(self.database).get_backend_name() in (
            "redis",
            "rediss",
        )
