"""Celery configuration, derived from the one LetItGo settings object."""

import sys

from letitgo.errors import ConfigError
from letitgo.settings import get_settings

try:
    _settings = get_settings()
except ConfigError as exc:
    print(f"letitgo: configuration error: {exc}", file=sys.stderr)
    sys.exit(2)

broker_url = _settings.redis_url
# kombu's Redis transport, fixed to recover when Redis restarts (see workers/broker.py).
broker_transport = "workers.broker:Transport"
broker_connection_retry_on_startup = True
# Deliveries finish well inside this; a worker killed mid-task has its message restored after it.
broker_transport_options = {"visibility_timeout": 300}
task_ignore_result = True
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 4
worker_hijack_root_logger = False
timezone = "UTC"
enable_utc = True

task_routes = {
    "letitgo.poll": {"queue": "poll"},
    "letitgo.cleanup": {"queue": "poll"},
    "letitgo.bridge": {"queue": "bridge"},
    "letitgo.deliver": {"queue": "deliveries"},
    "letitgo.notify_dead": {"queue": "deliveries"},
}

beat_schedule = {
    "producer-poll": {
        "task": "letitgo.poll",
        "schedule": _settings.poll_interval,
        "options": {"expires": _settings.poll_interval * 2},
    },
    "bridge": {
        "task": "letitgo.bridge",
        "schedule": _settings.poll_interval,
        "options": {"expires": _settings.poll_interval * 2},
    },
    "history-cleanup": {"task": "letitgo.cleanup", "schedule": 3600.0},
}
