# One image for every NetRaven process: `netraven serve` (API + scheduler), `netraven run`,
# and the lab. Build:  docker build -t netraven .
#
# Two stages: wheels are built where a compiler may be needed, and only wheels reach the
# final image, which has no compiler and runs as an unprivileged user. Dependencies are
# installed in their own layer before NetRaven's code, so a code change rebuilds in
# seconds: only the last wheel is rebuilt and reinstalled.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Only for dependencies without a wheel for this platform; never copied to the final image.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependency wheels from pyproject.toml alone (a placeholder package stands in for the code),
# so this layer is reused until the dependencies change.
COPY pyproject.toml README.md ./
RUN mkdir netraven && touch netraven/__init__.py \
    && pip wheel --wheel-dir /wheels/deps . \
    && rm -f /wheels/deps/netraven-*.whl \
    && rm -rf netraven
COPY netraven ./netraven
RUN pip wheel --no-deps --wheel-dir /wheels/app .

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 NETRAVEN_STATE_DIR=/data
# /project/lab (compose.yaml's lab volume) exists owned by netraven so that a new named
# volume mounted there is writable by it: Docker gives a new volume the image directory's owner.
RUN groupadd --gid 10001 netraven \
    && useradd --uid 10001 --gid netraven --home-dir /home/netraven --create-home netraven \
    && mkdir -p /data /project/lab && chown -R netraven:netraven /data /project
COPY --from=builder /wheels/deps /wheels/deps
RUN pip install --no-index /wheels/deps/*.whl && rm -rf /wheels/deps
COPY --from=builder /wheels/app /wheels/app
RUN pip install --no-index --no-deps /wheels/app/*.whl && rm -rf /wheels/app
# Playbooks, inventory and netraven.toml are mounted here (compose.yaml) or baked into a
# derived image; the job store and state live in /data unless NETRAVEN_DB_URL says otherwise.
WORKDIR /project
VOLUME ["/data"]
USER 10001:10001
ENTRYPOINT ["netraven"]
CMD ["--help"]
