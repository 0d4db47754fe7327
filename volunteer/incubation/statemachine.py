"""A small, data-driven state machine shared by the incubation workflows.

A workflow is a plain tuple of ``Transition`` rows: action name, source state, target state, the
roles that may take it, an optional guard and a Chinese label. One action may appear once per
source state (``withdraw`` from several states), so the pair ``(name, source)`` is the key.

``Workflow.apply`` checks, in this order, and raises:

1. ``IllegalTransition`` (→ 409) for an action the workflow does not know;
2. ``RoleNotAllowed`` (→ 403) when none of the caller's roles may take the action from any
   state — checked before the state so that an unauthorised caller learns nothing about it;
3. ``IllegalTransition`` (→ 409) when the action has no row for the current state; it carries
   ``allowed_actions``, the actions the caller could take now, and names them in its message;
4. ``RoleNotAllowed`` (→ 403) when the row for this state is reserved to other roles;
5. ``GuardFailed`` (→ 409) with the guard's Chinese reason.

A guard is a function of the context (a frozen dataclass of facts); it returns ``None`` when the
transition may go ahead and a Chinese reason otherwise. Its docstring's first line is its label in
the printed table.
"""

import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C")
Guard = Callable[[C], str | None]


class WorkflowError(Exception):
    """Base class; ``message`` is Chinese and safe to show to the user.

    ``status``, ``title``, ``message`` and ``details`` mirror ``volunteer.errors.DomainError`` so
    that the one exception view can render these too; this module may not import Pyramid.
    """

    status = 409
    title = "操作冲突"

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


# The names say what went wrong in the domain's words; an "Error" suffix would add nothing.
class IllegalTransition(WorkflowError):
    """The action cannot be taken from the current state (HTTP 409)."""

    def __init__(
        self,
        message: str,
        *,
        state: str,
        action: str,
        allowed_actions: list[str],
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.state = state
        self.action = action
        self.allowed_actions = allowed_actions


class RoleNotAllowed(WorkflowError):
    """None of the caller's roles may take the action (HTTP 403)."""

    status = 403
    title = "没有权限"

    def __init__(self, message: str, *, action: str) -> None:
        super().__init__(message)
        self.action = action


class GuardFailed(WorkflowError):
    """The transition exists and the role may take it, but a precondition fails (HTTP 409)."""

    def __init__(self, message: str, *, action: str, reason: str) -> None:
        super().__init__(message)
        self.action = action
        self.reason = reason


@dataclass(frozen=True)
class Transition(Generic[C]):
    name: str
    source: str
    target: str
    roles: frozenset[str]
    guard: Guard[C] | None
    label_zh: str

    @property
    def guard_label(self) -> str:
        if self.guard is None:
            return "—"
        doc = (self.guard.__doc__ or self.guard.__name__).strip()
        return doc.splitlines()[0]

    def blocked_by(self, ctx: C) -> str | None:
        """The guard's reason, or ``None`` when the transition may be taken."""
        return None if self.guard is None else self.guard(ctx)


Row = tuple[str, str, str, frozenset[str]] | tuple[str, str, str, frozenset[str], Guard | None]


def make_transitions(labels: Mapping[str, str], rows: Iterable[Row]) -> tuple[Transition, ...]:
    """Transitions from plain ``(action, source, target, roles[, guard])`` rows.

    The label comes from ``labels`` (action → Chinese), so that a table reads one row per line and
    pages can label buttons from the same dict.
    """
    transitions = []
    for row in rows:
        action, source, target, roles, *rest = row
        guard = rest[0] if rest else None
        transitions.append(Transition(action, source, target, roles, guard, labels[action]))
    return tuple(transitions)


def _as_roles(role: str | Collection[str]) -> frozenset[str]:
    # A user may hold an account role and, for one call, the reviewer capability.
    return frozenset({role}) if isinstance(role, str) else frozenset(role)


class Workflow(Generic[C]):
    """A validated transition table with its states (code → Chinese label)."""

    def __init__(
        self,
        name: str,
        *,
        states: Mapping[str, str],
        initial: str,
        terminal: Iterable[str],
        transitions: Iterable[Transition[C]],
    ) -> None:
        self.name = name
        self.states = dict(states)
        self.initial = initial
        self.terminal = frozenset(terminal)
        self.transitions = tuple(transitions)
        self._by_key = {(t.name, t.source): t for t in self.transitions}
        self._labels = {t.name: t.label_zh for t in self.transitions}
        self._action_roles: dict[str, frozenset[str]] = {}
        for t in self.transitions:
            self._action_roles[t.name] = self._action_roles.get(t.name, frozenset()) | t.roles
        self._validate()

    def _validate(self) -> None:
        # A malformed table is a programming error: fail at import time, not on a user's click.
        if len(self._by_key) != len(self.transitions):
            raise ValueError(f"{self.name}: duplicate (action, source) rows")
        known = set(self.states)
        if self.initial not in known or not self.terminal <= known:
            raise ValueError(f"{self.name}: initial/terminal states must be declared")
        for t in self.transitions:
            if t.source not in known or t.target not in known:
                raise ValueError(f"{self.name}: {t.name} uses an undeclared state")
            if t.source in self.terminal:
                raise ValueError(f"{self.name}: terminal state {t.source} has an exit")
            if not t.roles:
                raise ValueError(f"{self.name}: {t.name} from {t.source} has no roles")
        sources = {t.source for t in self.transitions}
        dead_ends = known - self.terminal - sources
        if dead_ends:
            raise ValueError(f"{self.name}: non-terminal states without exits: {sorted(dead_ends)}")
        reached, frontier = {self.initial}, [self.initial]
        while frontier:
            state = frontier.pop()
            for t in self.transitions:
                if t.source == state and t.target not in reached:
                    reached.add(t.target)
                    frontier.append(t.target)
        if reached != known:
            raise ValueError(f"{self.name}: unreachable states: {sorted(known - reached)}")

    # -- queries -------------------------------------------------------------------------------

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action name, in table order."""
        return tuple(dict.fromkeys(t.name for t in self.transitions))

    def label(self, state: str) -> str:
        return self.states.get(state, state)

    def action_label(self, action: str) -> str:
        return self._labels.get(action, action)

    def is_terminal(self, state: str) -> bool:
        self._check_state(state)
        return state in self.terminal

    def transitions_from(self, state: str) -> list[Transition[C]]:
        self._check_state(state)
        return [t for t in self.transitions if t.source == state]

    def options(
        self, state: str, role: str | Collection[str], ctx: C
    ) -> list[tuple[Transition[C], str | None]]:
        """Transitions the role may take from ``state``, each with its guard's reason or ``None``.

        For pages: show every option, disabling those with a reason.
        """
        roles = _as_roles(role)
        return [(t, t.blocked_by(ctx)) for t in self.transitions_from(state) if t.roles & roles]

    def allowed(self, state: str, role: str | Collection[str], ctx: C) -> list[Transition[C]]:
        """Transitions the role may take from ``state`` now: role permitted and guard passing."""
        return [t for t, reason in self.options(state, role, ctx) if reason is None]

    # -- commands ------------------------------------------------------------------------------

    def check(self, state: str, action: str, role: str | Collection[str], ctx: C) -> Transition[C]:
        """The transition ``action`` from ``state``, or raise why it cannot be taken."""
        self._check_state(state)
        roles = _as_roles(role)
        label = self.action_label(action)
        if action not in self._action_roles:
            raise self._illegal(state, action, roles, ctx, f"未知操作「{action}」")
        if not self._action_roles[action] & roles:
            raise RoleNotAllowed(f"当前角色无权执行「{label}」。", action=action)
        transition = self._by_key.get((action, state))
        if transition is None:
            head = f"「{self.label(state)}」状态下不能执行「{label}」"
            raise self._illegal(state, action, roles, ctx, head)
        if not transition.roles & roles:
            raise RoleNotAllowed(
                f"当前角色无权在「{self.label(state)}」状态下执行「{label}」。", action=action
            )
        reason = transition.blocked_by(ctx)
        if reason is not None:
            raise GuardFailed(f"不能执行「{label}」：{reason}", action=action, reason=reason)
        return transition

    def apply(self, state: str, action: str, role: str | Collection[str], ctx: C) -> str:
        """The new state after ``action``; raises a ``WorkflowError`` subclass if it can't."""
        return self.check(state, action, role, ctx).target

    def _illegal(
        self, state: str, action: str, roles: frozenset[str], ctx: C, head: str
    ) -> IllegalTransition:
        allowed = self.allowed(state, roles, ctx)
        if allowed:
            names = "、".join(f"「{t.label_zh}」" for t in allowed)
            message = f"{head}。当前可执行的操作：{names}。"
        else:
            message = f"{head}，当前没有可执行的操作。"
        return IllegalTransition(
            message,
            state=state,
            action=action,
            allowed_actions=[t.name for t in allowed],
            details=[t.label_zh for t in allowed],
        )

    def _check_state(self, state: str) -> None:
        # A state not in the table means corrupt data or a missed migration, not a user error.
        if state not in self.states:
            raise ValueError(f"{self.name}: unknown state {state!r}")

    # -- printing ------------------------------------------------------------------------------

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """(source, action, target, roles, guard, label) per transition, for tables and tests."""
        return [
            (t.source, t.name, t.target, ",".join(sorted(t.roles)), t.guard_label, t.label_zh)
            for t in self.transitions
        ]

    def describe(self) -> str:
        """The table as aligned text (``volunteer-report`` and tests print it)."""
        header = ("source", "action", "target", "roles", "guard", "label")
        rows = [header, *self.rows()]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
        lines = [f"# {self.name}; terminal: {', '.join(sorted(self.terminal))}"]
        for row in rows:
            cells = (c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
            lines.append("  ".join(cells))
        return "\n".join(line.rstrip() for line in lines)


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
