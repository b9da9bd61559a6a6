# Dialogue's container image. Build: `podman build -t dialogue .` (or docker build).
# Two stages: wheels are built with compilers in the first; the final image has only
# Python, the libraries WeasyPrint needs at run time, and the application.

FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY dialogue ./dialogue
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# WeasyPrint's run-time libraries and fonts; curl for the health check; pg_dump for backups.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core fonts-liberation \
      postgresql-client curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /srv/dialogue --uid 10001 dialogue
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
WORKDIR /srv/dialogue/app
COPY --chown=dialogue:dialogue wsgi.py ./
COPY --chown=dialogue:dialogue migrations ./migrations
COPY --chown=dialogue:dialogue content ./content
COPY --chown=dialogue:dialogue deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
RUN mkdir -p /srv/dialogue/instance /srv/dialogue/backups \
 && chown -R dialogue:dialogue /srv/dialogue
USER dialogue
ENV DIALOGUE_ENV=production \
    FLASK_APP=wsgi:app \
    INSTANCE_PATH=/srv/dialogue/instance \
    CONTENT_DIR=/srv/dialogue/app/content/briefings \
    BIND=0.0.0.0:8000 \
    TRUSTED_PROXIES=1 \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["sh", "-c", "flask dialogue check-config && exec gunicorn --config deploy/gunicorn.conf.py wsgi:app"]
