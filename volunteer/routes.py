"""Every route of the application, named <domain>.<resource>[.<action>]. Id-taking routes use
a factory that loads the entity inside the user's scope (see resources.py)."""

from volunteer.resources import entity_factory
from volunteer.volunteers.scoping import (
    activity_in_scope,
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
    from volunteer.volunteers.models import Activity, ServiceRecord, Volunteer

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
    config.add_route("records.queue", "/records/pending")
    config.add_route("records.review", "/records/review")
    config.add_route(
        "records.void",
        "/records/{id:\\d+}/void",
        factory=entity_factory(ServiceRecord, record_in_scope),
    )


def includeme(config):
    config.add_static_view("static", "volunteer:static", cache_max_age=3600)
    _accounts(config)
    _volunteers(config)
