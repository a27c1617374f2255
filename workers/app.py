"""The Celery application; configuration comes from celeryconfig (built from LetItGo's settings)."""

from celery import Celery

app = Celery("letitgo")
app.config_from_object("celeryconfig")
app.autodiscover_tasks(["workers"], related_name="tasks", force=True)
