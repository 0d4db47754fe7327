"""The Pyramid 2 security policy (wiki2 style): an auth-ticket cookie names the user, the
user's role becomes a `role:<name>` principal, the ACL from `authz` decides, and request
helpers expose the user's scope, an audit writer and the PII vault."""

from __future__ import annotations

from pyramid.authentication import AuthTktCookieHelper
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.csrf import CookieCSRFStoragePolicy, get_csrf_token
from pyramid.request import RequestLocalCache
from pyramid.settings import asbool

from volunteer.accounts.models import User
from volunteer.audit import AuditLog
from volunteer.authz import Permission, Scope
from volunteer.pii import PiiVault


class SecurityPolicy:
    def __init__(self, secret: str, secure: bool):
        self.helper = AuthTktCookieHelper(
            secret,
            hashalg="sha512",
            secure=secure,
            http_only=True,
            samesite="Lax",
            timeout=8 * 3600,
            reissue_time=600,
        )
        self.identity_cache = RequestLocalCache(self.load_identity)

    def load_identity(self, request) -> User | None:
        identity = self.helper.identify(request)
        if identity is None:
            return None
        try:
            user_id = int(identity["userid"])
        except (TypeError, ValueError):
            return None
        user = request.dbsession.get(User, user_id)
        return user if user is not None and user.is_active else None

    def identity(self, request):
        return self.identity_cache.get_or_create(request)

    def authenticated_userid(self, request):
        user = self.identity(request)
        return None if user is None else user.id

    def remember(self, request, userid, **kw):
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.helper.forget(request, **kw)

    def permits(self, request, context, permission):
        principals = [Everyone]
        user = self.identity(request)
        if user is not None:
            principals += [Authenticated, f"user:{user.id}", f"role:{user.role}"]
        return ACLHelper().permits(context, principals, permission)


def _scope(request) -> Scope | None:
    user = request.identity
    return None if user is None else user.scope


def _audit(request) -> AuditLog:
    user = request.identity
    if user is None:
        return AuditLog(request.dbsession, None, "anonymous")
    return AuditLog(request.dbsession, user.id, user.username)


def _can(request, permission: Permission) -> bool:
    return bool(request.has_permission(str(permission), request.root))


def includeme(config):
    settings = config.get_settings()
    secure = asbool(settings.get("volunteer.secure_cookies", False))
    config.set_security_policy(SecurityPolicy(settings["auth.secret"], secure))
    config.set_csrf_storage_policy(CookieCSRFStoragePolicy(secure=secure, samesite="Lax"))
    config.set_default_csrf_options(require_csrf=True)
    vault = PiiVault.from_settings(settings)
    config.registry["pii_vault"] = vault
    config.add_request_method(_scope, "scope", reify=True)
    config.add_request_method(_audit, "audit", reify=True)
    config.add_request_method(lambda request: vault, "vault", reify=True)
    config.add_request_method(_can, "can")
    config.add_request_method(get_csrf_token, "csrf_token", reify=True)
