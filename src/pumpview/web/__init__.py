"""The web app: ``create_app(settings)`` (``web.app``), pages in ``web.pages``."""
