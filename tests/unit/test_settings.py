"""Configuration from the environment: a bad value stops the service, naming the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from erestaurant.gateway.settings import GatewaySettings
from erestaurant.hall.settings import HallSettings
from erestaurant.kitchen.settings import KitchenSettings
from erestaurant.notification.settings import NotificationSettings
from erestaurant.payment.settings import PaymentSettings
from erestaurant.platform.settings import ServerSettings, Settings, SettingsError
from erestaurant.workercenter.settings import WorkercenterSettings

PREFIXES = ("ERESTAURANT_", "GATEWAY_", "HALL_", "KITCHEN_", "PAYMENT_", "WORKERCENTER_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith((*PREFIXES, "NOTIFICATION_")):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("settings", "port"),
    [
        (GatewaySettings, 8088),
        (HallSettings, 8081),
        (KitchenSettings, 8082),
        (PaymentSettings, 8083),
        (WorkercenterSettings, 8084),
        (NotificationSettings, 8085),
    ],
    ids=lambda value: getattr(value, "service", str(value)),
)
def test_every_service_has_its_contract_port_by_default(
    settings: type[ServerSettings], port: int
) -> None:
    assert settings.load().port == port


def test_the_defaults_are_seoul_a_local_broker_and_an_sqlite_file() -> None:
    hall = HallSettings.load()
    assert (hall.timezone, hall.nats_url, hall.log_level) == (
        "Asia/Seoul",
        "nats://127.0.0.1:4322",
        "INFO",
    )
    assert hall.database == f"sqlite+aiosqlite:///{Path('data') / 'hall.db'}"


def test_a_service_reads_its_own_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALL_PORT", "9081")
    monkeypatch.setenv("HALL_DATABASE_URL", "postgresql+asyncpg://db/hall")
    monkeypatch.setenv("KITCHEN_PORT", "9082")
    hall = HallSettings.load()
    assert (hall.port, hall.database) == (9081, "postgresql+asyncpg://db/hall")


def test_shared_variables_apply_to_every_service(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ERESTAURANT_TIMEZONE", "UTC")
    monkeypatch.setenv("ERESTAURANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ERESTAURANT_LOG_LEVEL", "debug")
    payment = PaymentSettings.load()
    assert (payment.timezone, payment.log_level) == ("UTC", "DEBUG")
    assert payment.database == f"sqlite+aiosqlite:///{tmp_path / 'payment.db'}"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HALL_PORT", "abc"),
        ("HALL_PORT", "0"),
        ("HALL_PORT", "70000"),
        ("HALL_KITCHEN_TIMEOUT_SECONDS", "0"),
        ("ERESTAURANT_TIMEZONE", "Mars/Base"),
        ("ERESTAURANT_LOG_LEVEL", "LOUD"),
        ("ERESTAURANT_RELAY_POLL_SECONDS", "-1"),
        ("ERESTAURANT_SQLITE_SYNCHRONOUS", "OFF"),
    ],
)
def test_a_bad_value_stops_the_service_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as stopped:
        HallSettings.load()
    message = str(stopped.value)
    assert message.startswith("hall: invalid configuration")
    assert f"\n  {variable}: " in message  # the variable itself, with no prefix put before it
    assert repr(value) in message


def test_an_unknown_time_zone_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERESTAURANT_TIMEZONE", "Mars/Base")
    with pytest.raises(SettingsError, match="unknown time zone 'Mars/Base'"):
        KitchenSettings.load()


def test_a_bad_setting_stops_the_process() -> None:
    assert issubclass(SettingsError, SystemExit)


def test_the_gateway_routes_each_prefix_to_its_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_HALL_URL", "http://hall:8081/")
    monkeypatch.setenv("GATEWAY_KITCHEN_URL", "http://kitchen-1:8082, http://kitchen-2:8082")
    routes = GatewaySettings.load().routes()
    assert routes["halls"] == ["http://hall:8081"]
    assert routes["kitchens"] == ["http://kitchen-1:8082", "http://kitchen-2:8082"]
    assert set(routes) == {"halls", "kitchens", "payments", "workercenters", "notifications"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgres://db/hall", "no database driver 'postgres'"),
        ("postgresql://db/hall", "'postgresql' is not an asyncio driver"),
        ("redis://cache/0", "no database driver 'redis'"),
        ("hall.db", "not a database URL"),
    ],
)
def test_a_database_url_hall_cannot_use_stops_it_at_start(
    monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    monkeypatch.setenv("HALL_DATABASE_URL", url)
    with pytest.raises(SettingsError, match="HALL_DATABASE_URL") as stopped:
        HallSettings.load()
    assert reason in str(stopped.value)


def test_only_the_view_may_live_in_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKERCENTER_DATABASE_URL", "redis://cache:6379/2")
    settings = WorkercenterSettings.load()
    assert settings.uses_redis
    assert settings.database == "redis://cache:6379/2"


def test_the_password_joins_the_url_and_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_DATABASE_URL", "mysql+aiomysql://payroll@db:3306/payment")
    monkeypatch.setenv("PAYMENT_DATABASE_PASSWORD", "s3cr/et@")
    settings = PaymentSettings.load()
    assert settings.database == "mysql+aiomysql://payroll:s3cr%2Fet%40@db:3306/payment"
    assert "s3cr" not in repr(settings)


def test_a_url_in_an_error_message_hides_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALL_DATABASE_URL", "postgresql://orders:hunter2@db/hall")
    with pytest.raises(SettingsError) as stopped:
        HallSettings.load()
    assert "hunter2" not in str(stopped.value)
    assert "orders:***@db/hall" in str(stopped.value)


def test_without_a_url_each_service_has_an_sqlite_file_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ERESTAURANT_DATA_DIR", str(tmp_path))
    assert KitchenSettings.load().database == f"sqlite+aiosqlite:///{tmp_path}/kitchen.db"
    assert not WorkercenterSettings.load().uses_redis


@pytest.mark.parametrize("settings", [HallSettings, GatewaySettings], ids=lambda s: s.service)
def test_outside_development_a_development_secret_stops_the_service(
    monkeypatch: pytest.MonkeyPatch, settings: type[Settings]
) -> None:
    monkeypatch.setenv("ERESTAURANT_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as stopped:
        settings.load()
    assert "_SECRET is left at its development default" in stopped.value.message
    assert "dev-" not in stopped.value.message  # the value itself is never shown


def test_with_secrets_of_its_own_production_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERESTAURANT_ENVIRONMENT", "production")
    monkeypatch.setenv("HALL_CLIENT_SECRET", "a-real-secret-from-a-vault")
    assert HallSettings.load().environment == "production"
    monkeypatch.setenv("GATEWAY_CLIENT_SECRET", "another-real-secret")
    with pytest.raises(SettingsError, match="GATEWAY_SESSION_KEY"):
        GatewaySettings.load()
    monkeypatch.setenv("GATEWAY_SESSION_KEY", "k" * 40)
    assert GatewaySettings.load().environment == "production"


def test_services_without_secrets_of_their_own_start_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ERESTAURANT_ENVIRONMENT", "production")
    for settings in (KitchenSettings, PaymentSettings, WorkercenterSettings, NotificationSettings):
        assert settings.load().environment == "production"
