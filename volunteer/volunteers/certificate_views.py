"""Certificate pages: a volunteer (or staff) issues one, anyone with the code verifies it."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer.volunteers.certificates import CertificateService
from volunteer.volunteers.masking import mask_name
from volunteer.volunteers.models import Volunteer

TEMPLATES = "volunteer:templates/volunteers/"


@view_config(route_name="certificates.issue", permission="self:view", request_method="POST")
def issue_own(request):
    volunteer = request.dbsession.get(Volunteer, request.scope.volunteer_id)
    certificate = CertificateService(request.dbsession, request.audit).issue(
        volunteer, request.identity.id
    )
    return HTTPSeeOther(request.route_url("certificates.detail", id=certificate.id))


@view_config(
    route_name="certificates.detail",
    renderer=TEMPLATES + "certificate.jinja2",
    permission="authenticated",
)
def detail(request):
    return {"certificate": request.context.entity}


@view_config(route_name="certificates.verify", renderer=TEMPLATES + "verify.jinja2")
def verify(request):
    code = request.params.get("code", "")
    certificate = (
        CertificateService(request.dbsession, request.audit).verify(code) if code else None
    )
    return {"code": code, "certificate": certificate, "masked_name": mask_name}
