"""Delivering one webhook attempt: the HTTP send and its classified outcome."""

from letitgo.delivery.http import Limits, OutboundRequest, Outcome, OutcomeKind, send
from letitgo.delivery.transport import make_session

__all__ = ["Limits", "OutboundRequest", "Outcome", "OutcomeKind", "make_session", "send"]
