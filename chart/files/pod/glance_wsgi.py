"""The Glance API as a WSGI application, for httpd's mod_wsgi.

Current Glance ships it as glance.wsgi.api; older releases (those of the default images) build
it with glance.common.wsgi_app.init_app(). Runs on the image's Python 3.9.
"""

try:
    from glance.wsgi.api import application
except ImportError:  # Glance before 2025.1
    from glance.common.wsgi_app import init_app

    application = init_app()

__all__ = ["application"]
