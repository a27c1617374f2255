"""The Celery broker transport keeps the broker address after Celery detaches it from a lost connection."""

from __future__ import annotations

from kombu import Connection

from workers.broker import Transport


def test_detaching_keeps_the_address_a_late_restore_or_ack_needs() -> None:
    conn = Connection("redis://127.0.0.1:6399/5")
    transport = Transport(conn)
    transport.client = None  # what kombu's Connection does when Celery collects a broken connection
    assert transport.client is conn  # so a channel can still build a pool to 127.0.0.1:6399/5
    assert (transport.client.hostname, transport.client.port, transport.client.virtual_host) == ("127.0.0.1", 6399, "5")


def test_celery_uses_it() -> None:
    import celeryconfig

    assert celeryconfig.broker_transport == "workers.broker:Transport"
    assert Connection(celeryconfig.broker_url, transport=celeryconfig.broker_transport).transport_cls is not None
