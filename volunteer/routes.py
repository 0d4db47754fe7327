"""Every route of the application, named <domain>.<resource>[.<action>]. Id-taking routes use
a factory that loads the entity inside the user's scope (see resources.py)."""

from volunteer.resources import entity_factory
from volunteer.volunteers.scoping import (
    activity_in_scope,
    certificate_in_scope,
    record_in_scope,
    volunteer_in_scope,
)


def _accounts(config):
    config.add_route("home", "/")
    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.add_route("accounts.password", "/account/password")
    config.add_route("audit.list", "/audit")
    config.add_route("areas.list", "/areas")


def _volunteers(config):
    from volunteer.volunteers.models import Activity, Certificate, ServiceRecord, Volunteer

    config.add_route("volunteers.me", "/me")
    config.add_route("volunteers.me.report", "/me/report")
    config.add_route("volunteers.dashboard", "/dashboard")
    config.add_route("volunteers.list", "/volunteers")
    config.add_route("volunteers.new", "/volunteers/new")
    config.add_route(
        "volunteers.detail",
        "/volunteers/{id:\\d+}",
        factory=entity_factory(Volunteer, volunteer_in_scope),
    )
    config.add_route(
        "volunteers.reveal",
        "/volunteers/{id:\\d+}/reveal",
        factory=entity_factory(Volunteer, volunteer_in_scope),
    )
    config.add_route("activities.list", "/activities")
    config.add_route("activities.new", "/activities/new")
    config.add_route(
        "activities.detail",
        "/activities/{id:\\d+}",
        factory=entity_factory(Activity, activity_in_scope),
    )
    config.add_route(
        "activities.hours",
        "/activities/{id:\\d+}/hours",
        factory=entity_factory(Activity, activity_in_scope),
    )
    config.add_route("certificates.issue", "/me/certificate")
    config.add_route("certificates.verify", "/verify")
    config.add_route(
        "certificates.detail",
        "/certificates/{id:\\d+}",
        factory=entity_factory(Certificate, certificate_in_scope),
    )
    config.add_route("records.queue", "/records/pending")
    config.add_route("records.review", "/records/review")
    config.add_route(
        "records.void",
        "/records/{id:\\d+}/void",
        factory=entity_factory(ServiceRecord, record_in_scope),
    )


def _incubation(config):
    from volunteer.areas.models import Organisation
    from volunteer.incubation import scoping
    from volunteer.incubation.models import Filing, IncubationCase, Proposal, VentureCall

    def id_routes(name, pattern, factory, actions):
        config.add_route(name, pattern + "/{id:\\d+}", factory=factory)
        for action in actions:
            path = action.replace(".", "/")
            config.add_route(f"{name}.{action}", f"{pattern}/{{id:\\d+}}/{path}", factory=factory)

    config.add_route("incubation.cases", "/incubation/cases")
    config.add_route("incubation.cases.new", "/incubation/cases/new")
    config.add_route("incubation.cases.export", "/incubation/cases/export.xlsx")
    id_routes(
        "incubation.case",
        "/incubation/cases",
        entity_factory(IncubationCase, scoping.case_in_scope),
        ("advance", "edit", "mentors", "services", "milestones"),
    )
    config.add_route("incubation.organisations", "/incubation/organisations")
    config.add_route("incubation.organisations.export", "/incubation/organisations/export.xlsx")
    id_routes(
        "incubation.organisation",
        "/incubation/organisations",
        entity_factory(Organisation, scoping.organisation_in_scope),
        ("register",),
    )
    config.add_route("incubation.filings", "/incubation/filings")
    config.add_route("incubation.filings.new", "/incubation/filings/new")
    id_routes(
        "incubation.filing",
        "/incubation/filings",
        entity_factory(Filing, scoping.filing_in_scope),
        ("advance", "report"),
    )
    config.add_route("incubation.calls", "/incubation/calls")
    config.add_route("incubation.calls.new", "/incubation/calls/new")
    config.add_route("incubation.reviews", "/incubation/reviews")
    id_routes(
        "incubation.call",
        "/incubation/calls",
        entity_factory(VentureCall, scoping.call_in_scope),
        ("export", "reviewers", "shortlist", "notice", "apply"),
    )
    id_routes(
        "incubation.proposal",
        "/incubation/proposals",
        entity_factory(Proposal, scoping.proposal_in_scope),
        (
            "advance",
            "review",
            "conflict",
            "bonus",
            "objection",
            "tranches",
            "tranches.accept",
            "tranches.release",
            "final_report",
        ),
    )


def _spreadsheets(config):
    from volunteer.spreadsheets.batches import batch_in_scope
    from volunteer.spreadsheets.models import ImportBatch

    config.add_route("imports.upload", "/imports")
    config.add_route("imports.template", "/imports/templates/{kind}.xlsx")
    config.add_route("imports.job", "/imports/jobs/{job}")
    config.add_route("imports.job.progress", "/imports/jobs/{job}/progress")
    config.add_route("imports.job.errors", "/imports/jobs/{job}/errors.xlsx")
    config.add_route("imports.confirm", "/imports/confirm")
    config.add_route("imports.batches", "/imports/batches")
    config.add_route(
        "imports.batch.revoke",
        "/imports/batches/{id:\\d+}/revoke",
        factory=entity_factory(ImportBatch, batch_in_scope),
    )
    config.add_route("exports.form", "/exports")
    config.add_route("exports.download", "/exports/download")


def _funds(config):
    from volunteer.funds import scoping
    from volunteer.funds.models import Disbursement, Donation, Fund, Project
    from volunteer.funds.programme_models import MatchingProgramme

    fund = entity_factory(Fund, scoping.fund_in_scope)
    project = entity_factory(Project, scoping.project_in_scope)
    donation = entity_factory(Donation, scoping.donation_in_scope)
    programme = entity_factory(MatchingProgramme, scoping.programme_in_scope)
    disbursement = entity_factory(Disbursement, scoping.disbursement_in_scope)
    config.add_route("funds.list", "/funds")
    config.add_route("funds.detail", "/funds/{id:\\d+}", factory=fund)
    config.add_route("funds.lock", "/funds/{id:\\d+}/lock", factory=fund)
    config.add_route("funds.verify", "/funds/{id:\\d+}/verify", factory=fund)
    config.add_route("funds.disbursements.new", "/funds/{id:\\d+}/disbursements/new", factory=fund)
    config.add_route("funds.project", "/projects/{id:\\d+}", factory=project)
    config.add_route("funds.project.donate", "/projects/{id:\\d+}/donate", factory=project)
    config.add_route("funds.donation", "/donations/{id:\\d+}", factory=donation)
    config.add_route("funds.donation.refund", "/donations/{id:\\d+}/refund", factory=donation)
    config.add_route("funds.programmes", "/programmes")
    config.add_route("funds.programmes.new", "/programmes/new")
    config.add_route("funds.programme", "/programmes/{id:\\d+}", factory=programme)
    config.add_route("funds.programme.edit", "/programmes/{id:\\d+}/edit", factory=programme)
    config.add_route("funds.programme.settle", "/programmes/{id:\\d+}/settle", factory=programme)
    config.add_route("funds.disbursement", "/disbursements/{id:\\d+}", factory=disbursement)
    for action in ("approve", "reject"):
        config.add_route(
            f"funds.disbursement.{action}",
            f"/disbursements/{{id:\\d+}}/{action}",
            factory=disbursement,
        )
    config.add_route("funds.api.funds", "/api/funds")
    config.add_route("funds.api.fund", "/api/funds/{id:\\d+}", factory=fund)
    config.add_route("funds.api.project", "/api/projects/{id:\\d+}", factory=project)
    config.add_route("funds.api.donations", "/api/donations")
    config.add_route("funds.api.donation", "/api/donations/{id:\\d+}", factory=donation)
    config.add_route(
        "funds.api.donation.refund", "/api/donations/{id:\\d+}/refund", factory=donation
    )
    config.add_route("funds.api.programmes", "/api/programmes")
    config.add_route("funds.api.programme", "/api/programmes/{id:\\d+}", factory=programme)
    config.add_route(
        "funds.api.programme.settle", "/api/programmes/{id:\\d+}/settle", factory=programme
    )


def _reports(config):
    config.add_route("reports.fund_statement", "/reports/fund-statement")
    config.add_route("reports.fund_statement.download", "/reports/fund-statement.xlsx")
    config.add_route("reports.api", "/api/reports/{name}")


def includeme(config):
    config.add_static_view("static", "volunteer:static", cache_max_age=3600)
    _accounts(config)
    _volunteers(config)
    _spreadsheets(config)
    _incubation(config)
    _funds(config)
    _reports(config)
