"""The board page, pure: snapshot issues and the configured columns -> cards with age and assignee."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.config import Config
from bot.site.context import Context, days_since, timestamp
from bot.site.lineage import slug

BOARD_ITEMS_SHOWN = 50
DONE_RECENT_DAYS = 14  # the board's Done column shows what closed in the last two weeks


def board_columns(issues: list[dict[str, Any]], config: Config, context: Context) -> list[dict[str, Any]]:
    now = context.today()
    recent = now - dt.timedelta(days=DONE_RECENT_DAYS)
    columns = []
    for column in config.board.columns:
        closed_column = column.name == config.board.closed_column
        in_column = [i for i in issues if i.get("column") == column.name and (i["state"] == "open" or closed_column)]
        live = [i for i in in_column if i["state"] == "open"]
        if closed_column:
            in_column = [i for i in in_column if (timestamp(i.get("closed_at") or i["updated_at"]) or now) >= recent]
        in_column.sort(key=lambda i: i.get("closed_at") or i["updated_at"], reverse=True)
        shown = in_column[:BOARD_ITEMS_SHOWN]
        entries = []
        for i in shown:
            assignees = i.get("assignees")
            entries.append(
                {
                    "ref": f"#{i['number']}",
                    "url": i["url"],
                    "title": i["title"],
                    "labels": [label for label in i["labels"] if label not in config.board.mapped_labels][:4],
                    "age": days_since(i["created_at"], now),
                    "closed": days_since(i.get("closed_at"), now) if i["state"] == "closed" else None,
                    "assignees": [a for a in assignees if isinstance(a, str)][:3]
                    if isinstance(assignees, list)
                    else None,
                    "author": i.get("author"),
                }
            )
        columns.append(
            {
                "name": column.name,
                "anchor": f"column-{slug(column.name)}",
                "limit": column.wip_limit,
                "count": len(in_column) if closed_column else len(live),
                "done": closed_column,
                "over": column.wip_limit is not None and len(live) > column.wip_limit,
                "entries": entries,
                "hidden": len(in_column) - len(shown),
            }
        )
    return columns
