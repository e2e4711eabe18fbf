"""workercenter: the CQRS read model of every employee's orders, fed only by events."""
