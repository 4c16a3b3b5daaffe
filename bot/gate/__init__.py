"""The deployment gate: a pull request's facts (gathered through the API) -> rules (pure) -> one commit status.

- `rules`: pure; what a pull request changes and says -> a `GateResult`.
- `facts`: reads the pull request, its files, the registry's git trees, the linked issue and reviews through the API.
- `check`: the whole run for one pull request or merge group, posting the status on the head commit.
- `report`: the result as a Markdown table.
"""
