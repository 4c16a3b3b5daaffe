"""The Projects (v2) board kept in step with the ml-* issues.

- `plan`: pure; issues, items and the configuration -> the actions that bring the board in step.
- `projects`: the board through GraphQL: read it, apply actions in batched mutations.
- `sync`: one event or a whole reconcile: read, plan, apply, report.
- `report`: a sync's text and job summary.
"""
