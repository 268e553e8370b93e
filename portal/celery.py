"""The Celery app. Broker from settings: Redis, or the embedded SQLite broker."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _configure_embedded_broker():
    # kombu hands broker_transport_options to SQLAlchemy's create_engine,
    # which rejects polling_interval; the interval lives on the transport
    # class instead. 0.1 s gives ~65 ms latency on this transport.
    from django.conf import settings

    if getattr(settings, "CELERY_BROKER_IS_EMBEDDED", False):
        from pathlib import Path

        from kombu.transport import sqlalchemy as sqla_transport

        sqla_transport.Transport.polling_interval = settings.CELERY_BROKER_POLLING_INTERVAL
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _on_after_configure(sender, **kwargs):
    _configure_embedded_broker()


app.autodiscover_tasks()
