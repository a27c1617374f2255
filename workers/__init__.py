"""Celery processes of LetItGo: `celery -A workers beat|worker|flower`."""

from workers.app import app

__all__ = ["app"]
