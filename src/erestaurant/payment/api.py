"""Payment's HTTP API under /payments."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response, status
from pydantic import Field, StrictStr

from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.payment import handlers
from erestaurant.payment.domain import CardAlreadyRegistered, CardDeactivated, EmployeeNotFound
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import (
    EVERY_ROUTE,
    Conflict,
    ErrorTable,
    NotFound,
    Unprocessable,
    answers,
)
from erestaurant.platform.schema import Camel, CardNo
from erestaurant.platform.security import Access, card_query, card_to_read

PayPeriod = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
EmployeeCardNo = Annotated[str, Path(max_length=32)]


class NewEmployee(Camel):
    employee_card_no: CardNo
    name: Annotated[StrictStr, Field(min_length=1, max_length=100)]


class NewPin(Camel):
    # ASCII digits only (\d takes the digits of every script); no answer ever carries it.
    pin: Annotated[
        StrictStr,
        Field(pattern=r"^[0-9]{4,8}$", examples=["4821"], json_schema_extra={"writeOnly": True}),
    ]


class EmployeeOut(Camel):
    employee_card_no: str
    name: str
    registered_at: datetime
    active: bool
    deactivated_at: datetime | None
    pin_set: bool


class PaymentOut(Camel):
    payment_id: int
    order_id: str
    employee_card_no: str
    amount: int
    status: PaymentStatus
    pay_period: str | None
    deducted_at: datetime | None


class PayrollLine(Camel):
    employee_card_no: str
    name: str
    deductions: int
    total_amount: int


class Payroll(Camel):
    pay_period: str
    employees: list[PayrollLine]
    total_amount: int


# How this service's domain errors are answered (registered once on the app).
ERRORS: ErrorTable = {
    CardAlreadyRegistered: lambda exc: Conflict(str(exc), code="CARD_ALREADY_REGISTERED"),
    CardDeactivated: lambda exc: Unprocessable(str(exc), code="CARD_DEACTIVATED"),
    EmployeeNotFound: lambda exc: NotFound(str(exc)),
}


def router(uow: Callable[[], PaymentUnitOfWork], access: Access) -> APIRouter:
    api = APIRouter(prefix="/payments", tags=["payment"], responses=answers(*EVERY_ROUTE))
    payroll_office = access.allow(Role.PAYROLL)
    payroll_or_employee = access.allow(Role.PAYROLL, Role.EMPLOYEE)

    @api.post(
        "/employees",
        status_code=status.HTTP_201_CREATED,
        response_model=EmployeeOut,
        responses={
            200: {"model": EmployeeOut, "description": "Registered and active, with this name"},
            **answers(409),
        },
        dependencies=[payroll_office],
    )
    async def register_employee(body: NewEmployee, response: Response) -> EmployeeOut:
        cmd = handlers.RegisterEmployee(body.employee_card_no, body.name)
        employee, created = await handlers.register_employee(cmd, uow())
        if not created:
            response.status_code = status.HTTP_200_OK
        return EmployeeOut.model_validate(employee)

    @api.get("/employees", response_model=list[EmployeeOut], dependencies=[payroll_office])
    async def list_employees() -> list[EmployeeOut]:
        async with uow() as tx:
            return [EmployeeOut.model_validate(e) for e in await tx.employees.list()]

    @api.get("/employees/{employee_card_no}", response_model=EmployeeOut, responses=answers(404))
    async def get_employee(
        employee_card_no: EmployeeCardNo, who: Principal = payroll_or_employee
    ) -> EmployeeOut:
        card_to_read(who, employee_card_no, Role.PAYROLL)
        employee = await handlers.get_employee(employee_card_no, uow())
        return EmployeeOut.model_validate(employee)

    @api.post(
        "/employees/{employee_card_no}/deactivate",
        response_model=EmployeeOut,
        responses=answers(404),
        dependencies=[payroll_office],
    )
    async def deactivate_employee(employee_card_no: EmployeeCardNo) -> EmployeeOut:
        employee = await handlers.deactivate_employee(employee_card_no, uow())
        return EmployeeOut.model_validate(employee)

    @api.put(
        "/employees/{employee_card_no}/pin",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        responses=answers(404),
    )
    async def set_pin(
        employee_card_no: EmployeeCardNo, body: NewPin, who: Principal = payroll_or_employee
    ) -> Response:
        card_to_read(who, employee_card_no, Role.PAYROLL)  # an employee sets their own only
        await handlers.set_pin(handlers.SetPin(employee_card_no, body.pin), uow())
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @api.get("/payments", response_model=list[PaymentOut], responses=answers(404))
    async def list_payments(
        who: Principal = payroll_or_employee,
        employee_card_no: str | None = card_query("deductions"),
    ) -> list[PaymentOut]:
        card = card_to_read(who, employee_card_no, Role.PAYROLL)
        async with uow() as tx:
            return [PaymentOut.model_validate(p) for p in await tx.payments.of_employee(card)]

    @api.get(
        "/payroll/{pay_period}",
        response_model=Payroll,
        dependencies=[payroll_office],
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def payroll(
        pay_period: PayPeriod, format: Literal["json", "csv"] = "json"
    ) -> Payroll | Response:
        async with uow() as tx:
            lines = [
                PayrollLine(employee_card_no=card, name=name, deductions=n, total_amount=total)
                for card, name, n, total in await tx.payments.payroll(pay_period)
            ]
        if format == "csv":
            return Response(
                # A byte order mark: Excel reads the file as UTF-8 only with one, and Korean
                # names come out garbled without.
                "\ufeff" + payroll_csv(lines),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="payroll-{pay_period}.csv"'},
            )
        return Payroll(
            pay_period=pay_period,
            employees=lines,
            total_amount=sum(line.total_amount for line in lines),
        )

    return api


def payroll_csv(lines: list[PayrollLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["employeeCardNo", "name", "deductions", "totalAmount"])
    for line in lines:
        writer.writerow(
            [_cell(line.employee_card_no), _cell(line.name), line.deductions, line.total_amount]
        )
    return out.getvalue()


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV
# injection): such a text cell is given a leading apostrophe, which shows it as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
