"""e-restaurant: a company cafeteria built as event-driven microservices."""
