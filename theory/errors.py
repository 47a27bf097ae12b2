"""Errors raised by solvers."""

from __future__ import annotations


class ConvergenceError(RuntimeError):
    """A solver did not reach its tolerance; ``residuals`` holds the residual history."""

    def __init__(self, message: str, residuals=()):
        super().__init__(message)
        self.residuals = list(residuals)
