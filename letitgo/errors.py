"""One error root for LetItGo. The HTTP mapping lives in letitgo.api.errors."""

from __future__ import annotations


class LetItGoError(Exception):
    """Root of every error LetItGo raises on purpose."""


class ConfigError(LetItGoError):
    """A setting is missing or malformed; the process cannot start."""


class ValidationError(LetItGoError):
    """Input was refused; names the field and the problem."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TimeSpecError(ValidationError):
    """A time specification (date, cron, text, zone) cannot be used."""


class BlockedDestinationError(ValidationError):
    """A URL resolves to an address the SSRF guard refuses."""


class PayloadTooLargeError(ValidationError):
    """A request body or payload is over the configured limit."""


class NotFoundError(LetItGoError):
    """The named resource does not exist; ``field`` names the input that pointed at it, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(LetItGoError):
    """The requested state transition is not possible from the current state."""


class UnavailableError(LetItGoError):
    """A backing service (MongoDB, Redis, Kafka, the LLM) cannot be reached."""


class CryptoError(LetItGoError):
    """A payload cannot be encrypted or decrypted (bad key, tampered data)."""
