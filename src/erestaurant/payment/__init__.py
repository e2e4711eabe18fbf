"""payment: payroll accounts, salary deductions (exactly once per completed order), payroll."""
