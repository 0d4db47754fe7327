"""pshell set-up: a session in the request's transaction and every model in the namespace."""

from volunteer import models


def setup(env):
    request = env["request"]
    request.tm.begin()
    env["tm"] = request.tm
    env["dbsession"] = request.dbsession
    env["models"] = models
