"""Profiles: KEY=VALUE files read by --env-file, the environment winning."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from erestaurant import cli, profile
from erestaurant.platform.settings import CannotStart

PRODUCTION = Path(__file__).parents[2] / "profiles" / "production.env"


def test_a_profile_is_read_with_comments_quotes_and_exports(tmp_path: Path) -> None:
    path = tmp_path / "local.env"
    path.write_text(
        "# the kitchen on PostgreSQL\n"
        "\n"
        "KITCHEN_DATABASE_URL=postgresql+asyncpg://cook@db/kitchen\n"
        "export HALL_PORT = 9081\n"
        "GATEWAY_HALL_URL='http://hall:9081'\n"
    )
    assert profile.read(path) == {
        "KITCHEN_DATABASE_URL": "postgresql+asyncpg://cook@db/kitchen",
        "HALL_PORT": "9081",
        "GATEWAY_HALL_URL": "http://hall:9081",
    }


def test_a_line_that_is_not_a_setting_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "broken.env"
    path.write_text("HALL_PORT=9081\nthis is not a setting\n")
    with pytest.raises(CannotStart, match=r"broken.env:2: expected KEY=VALUE"):
        profile.read(path)


def test_the_environment_wins_over_the_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "local.env"
    path.write_text("HALL_PORT=9081\nKITCHEN_PORT=9082\n")
    monkeypatch.setenv("HALL_PORT", "7081")
    monkeypatch.delenv("KITCHEN_PORT", raising=False)
    profile.load(path)
    assert (os.environ["HALL_PORT"], os.environ["KITCHEN_PORT"]) == ("7081", "9082")
    monkeypatch.delenv("KITCHEN_PORT")


def test_the_production_profile_puts_each_service_on_its_engine() -> None:
    values = profile.read(PRODUCTION)
    assert values["HALL_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert values["KITCHEN_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert values["PAYMENT_DATABASE_URL"].startswith("mysql+aiomysql://")
    assert values["WORKERCENTER_DATABASE_URL"].startswith("redis://")
    assert "NOTIFICATION_DATABASE_URL" not in values  # SQLite, in the data folder
    assert "ERESTAURANT_NATS_URL" in values  # a NATS server of its own


def test_a_missing_profile_stops_the_command_with_exit_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["--env-file", str(tmp_path / "nowhere.env"), "migrate"])
    assert code == CannotStart.exit_code
    assert "cannot read the settings file" in capsys.readouterr().err
