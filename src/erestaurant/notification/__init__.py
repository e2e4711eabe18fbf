"""notification: tells an employee that their meal is ready."""
