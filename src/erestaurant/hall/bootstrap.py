"""Wires hall together; tests pass their own settings or kitchen."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from erestaurant.hall import adapters, api, pins
from erestaurant.hall.handlers import HANDLERS
from erestaurant.hall.kitchen_client import Kitchen, KitchenCircuit, KitchenClient
from erestaurant.hall.settings import HallSettings
from erestaurant.hall.unit_of_work import HallUnitOfWork
from erestaurant.platform.access import Role
from erestaurant.platform.oauth_client import Grant, TokenClient
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.service import relational_service

CIRCUIT_STATES = ("closed", "half-opened", "opened")


def bootstrap(settings: HallSettings | None = None, kitchen: Kitchen | None = None) -> Runtime:
    settings = settings or HallSettings.load()
    check_pin = pins.matches if settings.kiosk_pin else None

    def routes(runtime: Runtime, uow: Callable[[], HallUnitOfWork]) -> APIRouter:
        to_kitchen = kitchen or kitchen_client(settings, runtime)
        return api.router(uow, to_kitchen, runtime.access, check_pin)

    return relational_service(
        settings,
        adapters.TABLES,
        adapters.SqlHallUnitOfWork,
        handlers=HANDLERS,
        errors=api.ERRORS,
        routes=routes,
    )


def kitchen_client(settings: HallSettings, runtime: Runtime) -> Kitchen:
    """Hall's client of the kitchen's reservations, behind its circuit breaker."""
    circuit = KitchenCircuit(settings.breaker_failures, settings.breaker_cooldown_seconds)
    tokens = TokenClient(settings.auth_issuer, settings.auth_token_url)
    grant = Grant.client_credentials(
        settings.client_id,
        settings.client_secret.get_secret_value(),
        Role.RESERVE_PORTIONS.value,
        settings.auth_kitchen_audience,
    )

    async def token(fresh: bool) -> str:
        return await tokens.token(grant, fresh=fresh)

    client = KitchenClient(
        settings.kitchen_url,
        settings.kitchen_timeout_seconds,
        settings.kitchen_retries,
        circuit,
        token,
    )
    runtime.on_stop(client.close)
    runtime.on_stop(tokens.close)
    # An open circuit is shown, not a reason to leave rotation: hall still serves reads.
    runtime.describe("kitchenCircuit", lambda: circuit.state)
    runtime.gauge(
        "erestaurant_kitchen_circuit",
        "Hall's circuit to the kitchen: 0 closed, 1 half-opened (trying), 2 opened",
        lambda: CIRCUIT_STATES.index(circuit.state),
    )
    return client
