# One image for every e-restaurant service: `docker run IMAGE serve hall` runs hall,
# `docker run IMAGE migrate hall` migrates its database. Kubernetes passes the args.
#
# Build: docker build -t erestaurant .

# -- builder: a virtualenv with the package and its dependencies --------------------------
# The same tag as the runtime stage: the venv's interpreter is a symlink to this Python.
FROM python:3.11.13-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# The metadata first, then the code: the wheel is built from both (the README is the
# package's long description).
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
# A wheel, not an editable install: the runtime stage gets no source tree, only the venv.
# Bytecode is compiled here, because the runtime's root filesystem is read-only.
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && pip install -c constraints.txt /wheels/*.whl \
    && python -m compileall -q /opt/venv

# -- runtime ------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm

# A fixed numeric user, so that Kubernetes can check runAsNonRoot and volumes can be given
# to group 10001 (fsGroup) without looking names up.
RUN groupadd --system --gid 10001 erestaurant \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin erestaurant \
    && mkdir /data \
    && chown 10001:10001 /data

COPY --from=builder /opt/venv /opt/venv

# In a container every service listens on all interfaces (the default is 127.0.0.1, right
# for `erestaurant up` on a laptop and unreachable from outside a container). SQLite files
# go to /data, a volume. No .pyc writes: the root filesystem is read-only in Kubernetes.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ERESTAURANT_DATA_DIR=/data \
    HALL_HOST=0.0.0.0 \
    KITCHEN_HOST=0.0.0.0 \
    PAYMENT_HOST=0.0.0.0 \
    WORKERCENTER_HOST=0.0.0.0 \
    NOTIFICATION_HOST=0.0.0.0 \
    WEB_HOST=0.0.0.0 \
    GATEWAY_HOST=0.0.0.0

WORKDIR /app
USER 10001:10001

# hall, kitchen, payment, workercenter, notification, gateway
EXPOSE 8081 8082 8083 8084 8085 8086 8088

# No HEALTHCHECK: which port to probe depends on the service the container runs, and
# Kubernetes ignores it anyway (the Deployments probe /health/live and /health/ready).
ENTRYPOINT ["erestaurant"]
CMD ["serve", "gateway"]
