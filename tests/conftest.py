"""Fixtures shared across test modules (a module's own fixture of the same name wins)."""

pytest_plugins = ["tests.support.pollharness"]
