"""The role → permission table, printed as a matrix (run with -s to see it), and its key facts."""

from volunteer.authz import ROLE_PERMISSIONS, Permission, Role, Scope, permissions_for


def render_matrix() -> str:
    roles = list(Role)
    lines = ["permission".ljust(24) + "".join(r.value[:9].ljust(10) for r in roles)]
    for perm in Permission:
        marks = "".join(("X" if perm in ROLE_PERMISSIONS[r] else ".").ljust(10) for r in roles)
        lines.append(perm.value.ljust(24) + marks)
    return "\n".join(lines)


def test_print_matrix():
    matrix = render_matrix()
    print("\n" + matrix)
    assert matrix.count("\n") == len(Permission)


def test_every_role_has_a_row():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_auditor_is_read_only():
    writes = {p for p in Permission if p.value.split(":")[1] not in {"view"}}
    assert ROLE_PERMISSIONS[Role.AUDITOR] & writes == set()


def test_volunteer_sees_only_self_service():
    assert permissions_for("volunteer") == {Permission.SELF_SERVICE}


def test_only_district_and_admin_reveal_pii():
    holders = {r for r, perms in ROLE_PERMISSIONS.items() if Permission.PII_REVEAL in perms}
    assert holders == {Role.ADMIN, Role.DISTRICT_STAFF}


def test_unknown_role_has_nothing():
    assert permissions_for("intruder") == frozenset()


def test_scope_paths():
    street = Scope(role=Role.STREET_STAFF, area_path="/1/3/")
    assert street.covers_path("/1/3/17/")
    assert not street.covers_path("/1/4/")
    assert not street.covers_path("/1/31/")
    assert Scope(role=Role.ADMIN).covers_path("/9/")
