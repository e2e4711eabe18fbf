"""The screens people use: kiosk, kitchen display, my orders, payroll office, operations."""
