# One image for every part of Rumbo: `rumbo serve --only console|telegram|whatsapp|scheduler`,
# and the commands (`check`, `backup`, `restore`, ...). See docs/deploy.md.

FROM python:3.11-slim-bookworm AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# The locked dependencies first, so that a code change does not re-download them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev --no-editable \
 && /app/.venv/bin/python -m locales.manage compile

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/rumbo rumbo \
 && install -d -o rumbo -g rumbo -m 0700 /var/lib/rumbo /backups
COPY --from=build /app/.venv /app/.venv
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/rumbo-entrypoint
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PTB_TIMEDELTA=true \
    RUMBO_HOST=0.0.0.0 \
    RUMBO_PORT=8000 \
    RUMBO_BACKUP_DIR=/backups \
    RUMBO_DATABASE_URL=sqlite+aiosqlite:////var/lib/rumbo/rumbo.sqlite3
# Runs as a user without a shell or privileges; the root file system can be read-only
# (the compose file mounts it so): Rumbo writes only to the database, /backups and /tmp.
USER rumbo:rumbo
WORKDIR /var/lib/rumbo
EXPOSE 8000
ENTRYPOINT ["rumbo-entrypoint"]
CMD ["serve"]
