"""The payroll office: register employees, and each month's deductions per employee, with
the CSV the payroll department imports. Months are the cafeteria's (its time zone)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from erestaurant.platform.access import Role
from erestaurant.web.pages import Viewer
from erestaurant.web.screens import Screens, screen_router

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CARD = re.compile(r"^[A-Za-z0-9-]{1,32}$")


def router(screens: Screens) -> APIRouter:
    api = screen_router("/payroll", "payroll office")
    pages, backends = screens.pages, screens.backends

    def this_month() -> str:
        return datetime.now(pages.zone).strftime("%Y-%m")

    async def month(viewer: Viewer, period: str) -> dict[str, Any]:
        answer = await backends.call("GET", f"/payments/payroll/{period}", viewer.token or "")
        body = answer.body if isinstance(answer.body, dict) else {}
        return {
            "period": period,
            "lines": body.get("employees", []),
            "total": body.get("totalAmount", 0),
            "month_offline": not answer.ok,
        }

    async def employees(viewer: Viewer) -> dict[str, Any]:
        answer = await backends.call("GET", "/payments/employees", viewer.token or "")
        rows = answer.rows
        return {"employees": rows, "employees_offline": not answer.ok}

    @api.get("", summary="The payroll office")
    async def page(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.PAYROLL)
        period = request.query_params.get("period") or this_month()
        if not MONTH.match(period):
            period = this_month()
        return pages.render(
            request,
            viewer,
            "payroll.html",
            **(await month(viewer, period)),
            **(await employees(viewer)),
        )

    @api.get("/month", summary="A month's deductions per employee (a fragment)")
    async def month_part(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.PAYROLL)
        period = request.query_params.get("period", "")
        if not MONTH.match(period):
            return pages.render(
                request,
                viewer,
                "payroll.html",
                block="month",
                period=period,
                lines=[],
                total=0,
                month_problem="payroll.bad_month",
            )
        return pages.render(
            request, viewer, "payroll.html", block="month", **(await month(viewer, period))
        )

    @api.get("/employees", summary="The employees (a fragment)")
    async def employee_list(request: Request) -> HTMLResponse:
        viewer = await pages.screen(request, Role.PAYROLL)
        return pages.render(
            request, viewer, "payroll.html", block="employees", **(await employees(viewer))
        )

    @api.post("/employees", summary="Register an employee (a fragment: the employees)")
    async def register(
        request: Request,
        card: Annotated[str, Form(alias="employeeCardNo")] = "",
        name: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        viewer = await pages.screen(request, Role.PAYROLL)
        problem, registered = None, None
        if not CARD.match(card.strip()) or not name.strip():
            problem = "payroll.incomplete"
        else:
            answer = await backends.call(
                "POST",
                "/payments/employees",
                viewer.token or "",
                json={"employeeCardNo": card.strip(), "name": name.strip()},
            )
            problem = answer.problem("payroll.not_registered", {409: "payroll.card_taken"})
            registered = card.strip() if answer.ok else None
        return pages.render(
            request,
            viewer,
            "payroll.html",
            block="registration",
            problem=problem,
            registered=registered,
            out_of_band=True,
            **(await employees(viewer)),
        )

    @api.get("/stream", summary="Live: deductions and employees changed (server-sent events)")
    async def stream(request: Request) -> Response:
        viewer = await pages.screen(request, Role.PAYROLL)
        return screens.stream(request, viewer, lambda n: n.topic == "payroll")

    return api
