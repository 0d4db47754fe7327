"""volunteer: the Pyramid application of a district civil-affairs bureau."""

from pyramid.config import Configurator
from pyramid.session import SignedCookieSessionFactory
from pyramid.settings import asbool

from volunteer.wsgi import ClosingSpooledBodies


def main(global_config, **settings):
    """Build the WSGI application."""
    with Configurator(settings=settings, root_factory="volunteer.resources.Root") as config:
        secure = asbool(settings.get("volunteer.secure_cookies", False))
        config.set_session_factory(
            SignedCookieSessionFactory(
                settings["session.secret"], secure=secure, httponly=True, samesite="Lax"
            )
        )
        config.include("pyramid_jinja2")
        config.include(".db")
        config.include(".security")
        config.include(".templating")
        config.include(".routes")
        config.scan(ignore=["volunteer.scripts", "volunteer.bench"])
    return ClosingSpooledBodies(config.make_wsgi_app())
