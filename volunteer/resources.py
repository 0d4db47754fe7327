"""Route factories: the root resource carries the ACL built from `authz`; id-taking routes
load their entity and refuse (404) anything outside the user's scope, so a street officer
probing another street's ids learns nothing."""

from __future__ import annotations

from collections.abc import Callable

from pyramid.httpexceptions import HTTPNotFound

from volunteer.authz import Scope, root_acl

_ACL = root_acl()


class Root:
    __acl__ = _ACL

    def __init__(self, request):
        self.request = request


class EntityResource:
    """An entity loaded for an id route; `__acl__` is the role table, scope already checked."""

    __acl__ = _ACL

    def __init__(self, request, entity):
        self.request = request
        self.entity = entity


def entity_factory(model, in_scope: Callable[[Scope, object], bool], matchdict_key: str = "id"):
    """Build a route factory that loads `model` by id and checks it against the user's scope."""

    def factory(request):
        try:
            entity_id = int(request.matchdict[matchdict_key])
        except (KeyError, ValueError):
            raise HTTPNotFound() from None
        entity = request.dbsession.get(model, entity_id)
        scope = request.scope
        if entity is None or scope is None or not in_scope(scope, entity):
            raise HTTPNotFound()
        return EntityResource(request, entity)

    return factory
