"""The generic state machine, on a toy table: validation, the order of checks, messages."""

from dataclasses import dataclass

import pytest

from volunteer.incubation.statemachine import (
    GuardFailed,
    IllegalTransition,
    RoleNotAllowed,
    Transition,
    Workflow,
    WorkflowError,
    make_transitions,
)


@dataclass(frozen=True)
class Facts:
    ok: bool = True


def needs_ok(facts: Facts) -> str | None:
    """须满足条件"""
    return None if facts.ok else "条件不满足"


STATES = {"new": "新建", "open": "办理中", "done": "已办结", "dropped": "已放弃"}
LABELS = {"open": "受理", "finish": "办结", "drop": "放弃"}
CLERK, BOSS = frozenset({"clerk"}), frozenset({"boss"})
ROWS = (
    ("open", "new", "open", CLERK),
    ("finish", "open", "done", BOSS, needs_ok),
    ("drop", "new", "dropped", CLERK | BOSS),
    ("drop", "open", "dropped", BOSS),
)


def toy(rows=ROWS, states=STATES, terminal=("done", "dropped"), initial="new"):
    return Workflow(
        "toy",
        states=states,
        initial=initial,
        terminal=terminal,
        transitions=make_transitions(LABELS, rows),
    )


def test_make_transitions_fills_labels_and_optional_guard():
    first, second, *_ = make_transitions(LABELS, ROWS)
    assert first == Transition("open", "new", "open", CLERK, None, "受理")
    assert second.guard is needs_ok
    assert second.label_zh == "办结"


def test_apply_returns_target():
    assert toy().apply("new", "open", "clerk", Facts()) == "open"
    assert toy().apply("open", "finish", "boss", Facts()) == "done"


def test_unknown_action_is_illegal_and_names_the_open_ones():
    with pytest.raises(IllegalTransition) as info:
        toy().apply("new", "fly", "clerk", Facts())
    assert info.value.allowed_actions == ["open", "drop"]
    assert info.value.details == ["受理", "放弃"]
    assert info.value.message == "未知操作「fly」。当前可执行的操作：「受理」、「放弃」。"
    assert info.value.status == 409


def test_role_without_the_action_anywhere_is_403_whatever_the_state():
    # A clerk never finishes; they get 403 even in a state where finishing is impossible,
    # so the answer reveals nothing about the state.
    for state in ("new", "open", "done"):
        with pytest.raises(RoleNotAllowed) as info:
            toy().apply(state, "finish", "clerk", Facts())
        assert info.value.status == 403
        assert info.value.action == "finish"
        assert "办结" in info.value.message


def test_wrong_state_is_409_with_the_allowed_actions():
    with pytest.raises(IllegalTransition) as info:
        toy().apply("new", "finish", "boss", Facts())
    assert info.value.state == "new"
    assert info.value.action == "finish"
    assert info.value.allowed_actions == ["drop"]
    assert info.value.message == "「新建」状态下不能执行「办结」。当前可执行的操作：「放弃」。"


def test_wrong_state_with_nothing_open():
    with pytest.raises(IllegalTransition) as info:
        toy().apply("done", "finish", "boss", Facts())
    assert info.value.allowed_actions == []
    assert info.value.message == "「已办结」状态下不能执行「办结」，当前没有可执行的操作。"


def test_allowed_actions_leave_out_those_whose_guard_fails():
    with pytest.raises(IllegalTransition) as info:
        toy().apply("open", "fly", "boss", Facts(ok=False))
    assert info.value.allowed_actions == ["drop"]


def test_role_allowed_elsewhere_but_not_from_this_state_is_403():
    with pytest.raises(RoleNotAllowed) as info:
        toy().apply("open", "drop", "clerk", Facts())
    assert info.value.message == "当前角色无权在「办理中」状态下执行「放弃」。"


def test_guard_failure_carries_the_reason():
    with pytest.raises(GuardFailed) as info:
        toy().apply("open", "finish", "boss", Facts(ok=False))
    assert info.value.reason == "条件不满足"
    assert info.value.message == "不能执行「办结」：条件不满足"
    assert info.value.status == 409
    assert isinstance(info.value, WorkflowError)


def test_several_roles_at_once():
    assert toy().apply("open", "finish", {"clerk", "boss"}, Facts()) == "done"
    assert toy().apply("open", "finish", ["boss"], Facts()) == "done"
    with pytest.raises(RoleNotAllowed):
        toy().apply("open", "finish", frozenset(), Facts())


def test_options_and_allowed():
    wf = toy()
    assert [(t.name, reason) for t, reason in wf.options("open", "boss", Facts(ok=False))] == [
        ("finish", "条件不满足"),
        ("drop", None),
    ]
    assert [t.name for t in wf.allowed("open", "boss", Facts())] == ["finish", "drop"]
    assert wf.allowed("open", "clerk", Facts()) == []
    assert wf.allowed("open", "auditor", Facts()) == []


def test_queries():
    wf = toy()
    assert wf.actions == ("open", "finish", "drop")
    assert wf.is_terminal("done")
    assert not wf.is_terminal("new")
    assert wf.label("open") == "办理中"
    assert wf.action_label("drop") == "放弃"
    assert [t.name for t in wf.transitions_from("new")] == ["open", "drop"]


def test_unknown_state_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown state"):
        toy().apply("lost", "open", "clerk", Facts())
    with pytest.raises(ValueError, match="unknown state"):
        toy().is_terminal("lost")


def test_describe_prints_every_row_with_guard_labels():
    text = toy().describe()
    print(text)
    lines = text.splitlines()
    assert lines[0] == "# toy; terminal: done, dropped"
    assert lines[1].split() == ["source", "action", "target", "roles", "guard", "label"]
    assert len(lines) == 2 + len(ROWS)
    assert "须满足条件" in lines[3]
    assert toy().rows()[0] == ("new", "open", "open", "clerk", "—", "受理")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": (*ROWS, ("open", "new", "done", CLERK))}, "duplicate"),
        ({"rows": (*ROWS, ("open", "limbo", "done", CLERK))}, "undeclared state"),
        ({"rows": (*ROWS, ("drop", "done", "dropped", BOSS))}, "terminal state done has an exit"),
        ({"rows": (*ROWS[:2], ("drop", "new", "dropped", frozenset()), ROWS[3])}, "has no roles"),
        ({"terminal": ("done",)}, "without exits"),
        (
            {"states": {**STATES, "island": "孤岛"}, "terminal": ("done", "dropped", "island")},
            "unreachable",
        ),
        ({"initial": "nowhere"}, "initial/terminal"),
    ],
)
def test_malformed_tables_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toy(**kwargs)
