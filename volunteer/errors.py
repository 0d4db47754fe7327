"""Domain errors raised by services, and the one exception view that turns them into HTTP
statuses (400 invalid input, 403 not allowed, 404 not found or out of scope, 409 conflict)."""

from __future__ import annotations

from pyramid.view import exception_view_config

from volunteer.incubation.statemachine import WorkflowError


class DomainError(Exception):
    status = 400
    title = "请求有误"

    def __init__(self, message: str, *, details: list | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class ValidationFailed(DomainError):
    status = 400
    title = "数据校验未通过"


class NotAllowed(DomainError):
    status = 403
    title = "没有权限"


class NotFound(DomainError):
    status = 404
    title = "未找到"


class Conflict(DomainError):
    status = 409
    title = "操作冲突"


@exception_view_config(DomainError, renderer="volunteer:templates/error.jinja2")
# Workflow errors come from pure rule modules that cannot import this one; same shape.
@exception_view_config(WorkflowError, renderer="volunteer:templates/error.jinja2")
def domain_error_view(exc, request):
    request.response.status_int = exc.status
    if request.accept.best_match(["text/html", "application/json"]) == "application/json" or (
        request.path.startswith("/api/")
    ):
        request.override_renderer = "json"
        return {"error": exc.message, "title": exc.title, "details": exc.details}
    return {"title": exc.title, "message": exc.message, "details": exc.details}
