"""LetItGo: call HTTP endpoints at a chosen moment or on a recurrence, and never lose one."""

__version__ = "0.1.0"
