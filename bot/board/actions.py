"""The kinds of change the board planner can ask for, and everything keyed by them in one table:
the verb people read, and the GraphQL mutation that carries it out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActionKind(StrEnum):
    ADD = "add"
    SET_STATUS = "set_status"
    SET_STAGE = "set_stage"
    UNARCHIVE = "unarchive"
    ARCHIVE = "archive"
    DELETE = "delete"


@dataclass(frozen=True)
class KindSpec:
    verb: str  # "move to" in "acme/ml#3: move to Evaluation (label ml-evaluation)"
    operation: str  # the GraphQL operation name of a batch made of this kind only
    mutation: str  # the GraphQL mutation field
    input_type: str
    selection: str  # what the mutation's answer is read for


KINDS: dict[ActionKind, KindSpec] = {
    ActionKind.ADD: KindSpec(
        "add to",
        "AddItems",
        "addProjectV2ItemById",
        "AddProjectV2ItemByIdInput",
        "item { id isArchived content { ... on Issue { id } } }",
    ),
    ActionKind.SET_STATUS: KindSpec(
        "move to",
        "SetItemStatus",
        "updateProjectV2ItemFieldValue",
        "UpdateProjectV2ItemFieldValueInput",
        "projectV2Item { id }",
    ),
    ActionKind.SET_STAGE: KindSpec(
        "set stage",
        "SetItemStage",
        "updateProjectV2ItemFieldValue",
        "UpdateProjectV2ItemFieldValueInput",
        "projectV2Item { id }",
    ),
    ActionKind.UNARCHIVE: KindSpec(
        "unarchive into", "UnarchiveItems", "unarchiveProjectV2Item", "UnarchiveProjectV2ItemInput", "item { id }"
    ),
    ActionKind.ARCHIVE: KindSpec(
        "archive", "ArchiveItems", "archiveProjectV2Item", "ArchiveProjectV2ItemInput", "item { id }"
    ),
    ActionKind.DELETE: KindSpec(
        "delete", "DeleteItems", "deleteProjectV2Item", "DeleteProjectV2ItemInput", "deletedItemId"
    ),
}
