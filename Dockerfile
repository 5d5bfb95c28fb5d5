# Production image: gunicorn for `web`, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=opsdesk.settings.prod \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, in their own layer: with only pyproject.toml and README.md present,
# `pip install .` installs the pinned dependencies (and an empty opsdesk distribution);
# the code itself runs from /app (PYTHONPATH), so templates and static files come along.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
RUN useradd --system --no-create-home --home-dir /app opsdesk \
    && mkdir -p var \
    && DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && chown -R opsdesk var
USER opsdesk

EXPOSE 8000
CMD ["gunicorn", "opsdesk.wsgi:application", "-b", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
