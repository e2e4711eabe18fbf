"""gateway: the single entry point, routing by path prefix to the services."""
