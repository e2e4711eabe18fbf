"""The payroll CSV opens in a spreadsheet as data, never as formulas."""

from __future__ import annotations

import csv
import io

from erestaurant.payment.api import PayrollLine, payroll_csv


def test_cells_that_a_spreadsheet_would_run_are_written_as_text() -> None:
    lines = [
        PayrollLine(
            employee_card_no="E1", name='=HYPERLINK("http://evil")', deductions=1, total_amount=6500
        ),
        PayrollLine(employee_card_no="E2", name="+1+1", deductions=1, total_amount=6500),
        PayrollLine(employee_card_no="-E3", name="@SUM(A1)", deductions=2, total_amount=13000),
        PayrollLine(employee_card_no="E4", name="김민지", deductions=1, total_amount=7000),
    ]
    rows = list(csv.reader(io.StringIO(payroll_csv(lines))))
    assert rows[0] == ["employeeCardNo", "name", "deductions", "totalAmount"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[2][1] == "'+1+1"
    assert rows[3][:2] == ["'-E3", "'@SUM(A1)"]
    assert rows[4] == ["E4", "김민지", "1", "7000"]
    assert payroll_csv(lines).count("\r\n") == 5
