"""What the exhaustive workflow tests share: the outcome an independently written expected
table predicts for (state, action, role), and the check of a workflow against it."""

import pytest

from volunteer.incubation.statemachine import IllegalTransition, RoleNotAllowed


def expected_outcome(expected, state, action, role):
    """("ok", target), ("403", None) or ("409", the actions open to `role` in `state`)."""
    row = expected.get((state, action))
    if row and role in row[1]:
        return ("ok", row[0])
    if not any(role in roles for (_, a), (_, roles) in expected.items() if a == action):
        return ("403", None)
    if row is None:
        open_ = [a for (s, a), (_, roles) in expected.items() if s == state and role in roles]
        return ("409", sorted(open_))
    return ("403", None)


def assert_outcome(workflow, expected, state, action, role, facts):
    kind, detail = expected_outcome(expected, state, action, role)
    if kind == "ok":
        assert workflow.apply(state, action, role, facts) == detail
    elif kind == "403":
        with pytest.raises(RoleNotAllowed):
            workflow.apply(state, action, role, facts)
    else:
        with pytest.raises(IllegalTransition) as info:
            workflow.apply(state, action, role, facts)
        assert sorted(info.value.allowed_actions) == detail


def assert_table(workflow, expected, states, actions, terminal, initial):
    print(workflow.describe())
    actual = {(t.source, t.name): (t.target, set(t.roles)) for t in workflow.transitions}
    assert actual == expected
    assert set(workflow.states) == set(states)
    assert set(workflow.actions) == set(actions)
    assert workflow.terminal == terminal
    assert workflow.initial == initial
