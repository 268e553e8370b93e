# The portal image: web (gunicorn), worker and beat (celery) all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# tesseract-ocr with English and Simplified Chinese: OCR of listing images and proofs (pytesseract).
# gettext: compiles the portal's translations below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# The Chinese translation (locale/zh_Hans), compiled: the .mo files are built, not committed.
RUN django-admin compilemessages --ignore=.venv --ignore=var --ignore=staticfiles

# Static files are baked into the image (whitenoise serves them). The keys
# are throw-aways: settings refuse DEBUG=0 without them, and collectstatic
# touches no secrets.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-real-key ALLOWED_HOSTS=localhost \
    WEBHOOK_SECRET_KEY=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJlYWwtayE= \
    PORTAL_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 portal \
    && mkdir -p /app/var \
    && chown -R portal:portal /app/var
USER portal

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "-b", "0.0.0.0:8000", "--workers", "3"]
