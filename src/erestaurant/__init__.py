"""e-restaurant: a company cafeteria built as event-driven microservices."""

SERVICES = ("hall", "kitchen", "payment", "workercenter", "notification")
