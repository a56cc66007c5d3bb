"""The workbench: ``flashpoint serve``, a local web application over the engine that keeps every
scenario, run and comparison in a database (SQLite by default, PostgreSQL by URL)."""

from flashpoint.serve.settings import Settings


def create_app(settings: Settings | None = None):
    """The FastAPI application for ``settings`` (see :mod:`flashpoint.serve.app`)."""
    # lazy: FastAPI, SQLAlchemy and the app (454 modules) only when an app is made, not for Settings
    from flashpoint.serve.app import create_app as _create_app

    return _create_app(settings)


__all__ = ["Settings", "create_app"]
