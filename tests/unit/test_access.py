"""The principal a token stands for: roles from the roles claim or granted scopes, the card
from its claim, and who may read whose records."""

from __future__ import annotations

import pytest

from erestaurant.platform.access import ClaimNames, Principal, Role, principal
from erestaurant.platform.errors import NotFound, Unprocessable
from erestaurant.platform.security import card_to_read

NAMES = ClaimNames()


def test_a_user_token_gives_its_roles_and_card() -> None:
    who = principal(
        {
            "sub": "kim",
            "aud": "erestaurant",
            "roles": ["employee", "some-other-apps-role"],
            "attributes": {"employee_card_no": "E1001"},
            "client_id": "gateway",
        },
        NAMES,
    )
    assert who == Principal(
        "kim", "gateway", frozenset({Role.EMPLOYEE}), "E1001", frozenset({"erestaurant"})
    )


def test_a_device_carries_its_role_as_a_granted_scope() -> None:
    who = principal(
        {"sub": "kiosk-1", "aud": ["erestaurant"], "scope": "kiosk", "client_id": "kiosk-1"}, NAMES
    )
    assert who.roles == {Role.KIOSK}
    assert who.card_no is None


def test_the_roles_claim_can_be_a_path_and_scopes_a_list() -> None:
    keycloak = ClaimNames(roles="realm_access.roles", card_no="employee_card_no")
    who = principal(
        {
            "sub": "u",
            "aud": "erestaurant",
            "realm_access": {"roles": ["payroll", "offline_access"]},
            "scp": ["kitchen"],
            "employee_card_no": 1234,
        },
        keycloak,
    )
    assert who.roles == {Role.PAYROLL, Role.KITCHEN}
    assert who.card_no == "1234"


def test_claims_of_the_wrong_shape_give_nothing() -> None:
    who = principal({"sub": "u", "aud": 7, "roles": {"admin": True}, "attributes": "E1"}, NAMES)
    assert who.roles == frozenset()
    assert who.card_no is None
    assert who.audiences == frozenset()


def _employee(card: str | None) -> Principal:
    return Principal("e", None, frozenset({Role.EMPLOYEE}), card, frozenset())


def test_an_employee_reads_their_own_card_and_nobody_elses() -> None:
    assert card_to_read(_employee("E1"), None) == "E1"
    assert card_to_read(_employee("E1"), "E1") == "E1"
    with pytest.raises(NotFound):
        card_to_read(_employee("E1"), "E2")
    with pytest.raises(Unprocessable):
        card_to_read(_employee(None), None)


def test_staff_with_the_role_and_admins_read_any_card() -> None:
    payroll = Principal("p", None, frozenset({Role.PAYROLL}), None, frozenset())
    admin = Principal("a", None, frozenset({Role.ADMIN}), None, frozenset())
    assert card_to_read(payroll, "E2", Role.PAYROLL) == "E2"
    assert card_to_read(admin, "E2") == "E2"
    with pytest.raises(NotFound):
        card_to_read(payroll, "E2")  # payroll reads payments, not the my-page view
