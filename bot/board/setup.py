"""What a board needs for the bot, planned from what it has (pure: board state in, steps out).

The board needs a single-select Status field (the configured `status_field`) with an option per
configured column and, when `stage_field` is set, a single-select field with the experiment stages.
Existing options are kept with their order, colours and descriptions, and never deleted; a missing
column is inserted beside its lifecycle neighbours. A board in that state plans no step, so a
second `init --board` changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.config import BoardConfig
from bot.errors import ConfigError
from bot.records.forms import STAGES

OptionColor = Literal["GRAY", "BLUE", "GREEN", "YELLOW", "ORANGE", "RED", "PINK", "PURPLE"]
StepKind = Literal["create_board", "link_repository", "create_field", "add_options"]

# Columns other than the closed one take these colours in lifecycle order (the closed one is green).
LIFECYCLE_COLORS: tuple[OptionColor, ...] = ("GRAY", "BLUE", "PURPLE", "YELLOW", "ORANGE", "RED", "PINK")
STAGE_OPTIONS: dict[str, tuple[OptionColor, str]] = {
    "Ideation": ("GRAY", "Hypothesis written; no data or model chosen yet"),
    "Active": ("BLUE", "Data or architecture chosen; running"),
    "Analysis": ("YELLOW", "Results are in and being read"),
    "Decision": ("GREEN", "Outcome recorded: promote, iterate or abandon"),
}
DEFAULT_BOARD_TITLE = "ML team board"


@dataclass(frozen=True)
class SelectOption:
    name: str
    color: str
    description: str
    id: str | None = None  # None: not on the board yet


@dataclass(frozen=True)
class FieldState:
    id: str
    name: str
    data_type: str  # SINGLE_SELECT, TEXT, ITERATION, ...
    options: tuple[SelectOption, ...] = ()


# What a board created through the API starts with (GitHub's blank table), as far as planning goes.
GITHUB_NEW_BOARD_FIELDS = (
    FieldState(
        "",
        "Status",
        "SINGLE_SELECT",
        (
            SelectOption("Todo", "GREEN", "", "new"),
            SelectOption("In Progress", "YELLOW", "", "new"),
            SelectOption("Done", "PURPLE", "", "new"),
        ),
    ),
)


@dataclass(frozen=True)
class BoardState:
    """A board as read from GitHub."""

    project_id: str
    number: int
    title: str
    url: str
    owner: str
    can_update: bool
    fields: tuple[FieldState, ...]
    repositories: frozenset[str]  # linked repositories, lower-cased owner/name

    def field(self, name: str) -> FieldState | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class WantedField:
    name: str
    options: tuple[SelectOption, ...]
    setting: str  # the configuration key that names it, for messages


@dataclass(frozen=True)
class SetupStep:
    kind: StepKind
    target: str  # the board's title, a repository, or a field's name
    options: tuple[SelectOption, ...] = ()  # create_field, add_options: the complete list to send
    added: tuple[str, ...] = ()  # the option names this step adds

    def describe(self) -> str:
        if self.kind == "create_board":
            return f"create the board {self.target!r}"
        if self.kind == "link_repository":
            return f"link {self.target} to the board"
        names = ", ".join(self.added)
        if self.kind == "create_field":
            return f"create the single-select field {self.target!r} with {names}"
        return f"add to {self.target!r}: {names} (kept: {', '.join(o.name for o in self.options if o.id) or 'none'})"


@dataclass(frozen=True)
class SetupPlan:
    steps: tuple[SetupStep, ...]
    notes: tuple[str, ...] = ()  # what it will not do, and why

    def steps_for_field(self, name: str) -> tuple[SetupStep, ...]:
        return tuple(s for s in self.steps if s.kind in ("create_field", "add_options") and s.target == name)


def wanted_fields(board: BoardConfig) -> tuple[WantedField, ...]:
    """The single-select fields the configuration needs, with the options a new board would get."""
    palette = iter(LIFECYCLE_COLORS * (1 + len(board.columns) // len(LIFECYCLE_COLORS)))
    columns = []
    for column in board.columns:
        color = "GREEN" if column.name == board.closed_column else next(palette)
        labels = " or ".join(column.labels)
        if column.name == board.closed_column:
            description = "Closed issues" + (f"; open ones labelled {labels}" if labels else "")
        else:
            description = f"Issues labelled {labels}" if labels else ""
        columns.append(SelectOption(column.name, color, description))
    fields = [WantedField(board.status_field, tuple(columns), "status_field")]
    if board.stage_field:
        stages = tuple(SelectOption(name, *STAGE_OPTIONS[name]) for name in STAGES)
        fields.append(WantedField(board.stage_field, stages, "stage_field"))
    return tuple(fields)


def merge_options(existing: Sequence[SelectOption], wanted: Sequence[SelectOption]) -> tuple[SelectOption, ...]:
    """`existing` unchanged and in its order, each missing wanted option inserted after the wanted
    option before it (or, for the first ones, before the first wanted option the field has)."""
    merged = list(existing)
    names = [o.name for o in merged]
    position: int | None = None  # where the next missing option goes
    for index, option in enumerate(wanted):
        if option.name in names:
            position = names.index(option.name) + 1
            continue
        if position is None:
            later = [names.index(o.name) for o in wanted[index + 1 :] if o.name in names]
            position = min(later) if later else len(merged)
        merged.insert(position, option)
        names.insert(position, option.name)
        position += 1
    return tuple(merged)


def plan_fields(state: BoardState | None, wanted: Iterable[WantedField]) -> tuple[SetupStep, ...]:
    """Steps that give the board every wanted field and option; `state` None is a board with none."""
    steps = []
    for field in wanted:
        found = state.field(field.name) if state else None
        if found is None:
            steps.append(SetupStep("create_field", field.name, field.options, tuple(o.name for o in field.options)))
            continue
        if found.data_type != "SINGLE_SELECT":
            raise ConfigError(
                f"the board's field {field.name!r} is a {found.data_type} field, not single-select: rename it on "
                f"the board, or set {field.setting} to another name"
            )
        existing = {o.name for o in found.options}
        for option in field.options:
            twin = next((o for o in found.options if o.name.lower() == option.name.lower()), None)
            if option.name not in existing and twin is not None:
                raise ConfigError(
                    f"the board's {field.name!r} option {twin.name!r} differs from {option.name!r} only in case: "
                    "rename one of them so they match"
                )
        missing = tuple(o.name for o in field.options if o.name not in existing)
        if missing:
            steps.append(SetupStep("add_options", field.name, merge_options(found.options, field.options), missing))
    return tuple(steps)


def plan_links(state: BoardState | None, owner: str, repositories: Iterable[str]) -> tuple[list[SetupStep], list[str]]:
    """Link each repository of the board's owner that is not linked yet (GitHub links no other)."""
    steps, notes = [], []
    linked = state.repositories if state else frozenset()
    for repository in repositories:
        if _owner_of(repository) != owner.lower():
            notes.append(f"{repository} is not linked: GitHub links a board only to its owner's repositories")
        elif repository.lower() not in linked:
            steps.append(SetupStep("link_repository", repository))
    return steps, notes


def plan_setup(
    state: BoardState | None,
    board: BoardConfig,
    repositories: Sequence[str],
    *,
    owner: str,
    new_board_title: str = DEFAULT_BOARD_TITLE,
    new_board_fields: Sequence[FieldState] = GITHUB_NEW_BOARD_FIELDS,
) -> SetupPlan:
    """The steps from `state` (None: there is no board yet) to a board the bot can work with.

    A board that does not exist yet is planned as GitHub creates one (`new_board_fields`), linked to
    the first repository by the creation itself.
    """
    if state is not None and not state.can_update:
        raise ConfigError(f"the token may read the board {state.url} but not change it: it needs write access")
    steps: list[SetupStep] = []
    if state is None:
        steps.append(SetupStep("create_board", new_board_title))
        first = repositories[:1] if repositories and _owner_of(repositories[0]) == owner.lower() else []
        linked = frozenset(r.lower() for r in first)
        state = BoardState("", 0, new_board_title, "", owner, True, tuple(new_board_fields), linked)
    links, notes = plan_links(state, owner, repositories)
    steps += links
    steps += plan_fields(state, wanted_fields(board))
    return SetupPlan(tuple(steps), tuple(notes))


def _owner_of(repository: str) -> str:
    return repository.split("/", 1)[0].lower()


def token_fix(scopes: list[str] | None, token_name: str, *, write: bool) -> str:
    """What a board token lacks, from the scopes GitHub reported for it (None: not a classic token)."""
    if scopes is not None:  # a classic personal access token: GitHub names its scopes on every answer
        granted = sorted({s.strip() for s in scopes if s.strip()})
        has = ", ".join(granted) or "none"
        if "project" in granted:
            return f"{token_name} has the 'project' scope: check that its owner may see and change this board"
        if "read:project" in granted and write:
            return f"{token_name} (a classic token with scopes {has}) may only read boards: give it the 'project' scope"
        return f"{token_name} (a classic token with scopes {has}) lacks the 'project' scope: add it"
    if token_name == "GITHUB_TOKEN":
        return (
            "GITHUB_TOKEN (an Actions, App or fine-grained token) cannot reach this board: set MLOPS_PROJECT_TOKEN to "
            "a classic token with the 'project' scope, or to a GitHub App token with Projects read and write"
        )
    return (
        f"{token_name} is an App or fine-grained token: grant it the organization permission 'Projects: read and "
        "write' (a user's board needs a classic token with the 'project' scope)"
    )
