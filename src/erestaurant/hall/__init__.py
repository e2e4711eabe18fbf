"""hall: orders placed by tapping an employee ID card at a kiosk."""
