"""What `mlops-bot init` writes into a team's repository, and the hardening rules its workflows keep.

- `plan`: pure; the files and labels a repository should hold -> the steps to get there.
- `workflows`: the workflow files, rendered from `templates/workflows/`.
- `workflow_rules`: GitHub's hardening rules, checked on any workflow file (`mlops-bot validate`).
- `install`: applies a plan to a checkout and to the repository's labels.
- `gitignore`, `next_steps`: pure; the `.gitignore` lines init adds, and what it tells a team to do next.
"""
