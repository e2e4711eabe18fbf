"""One log format for every service, each line stamped with the correlation id."""

from __future__ import annotations

import logging
import sys

from erestaurant.platform import correlation


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation.correlation_id.get() or "-"
        return True


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_CorrelationFilter())
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s %(levelname)-5s {service} [cid=%(correlation_id)s] %(name)s: %(message)s"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log repeats what the gateway already tells; its errors still show.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Our own start-up line says where the service listens; uvicorn's errors still show.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    # Alembic announces its dialect at every check; migrate prints what it changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
