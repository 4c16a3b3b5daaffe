"""The documentation site: the snapshot of issues, pure page rendering, and the MkDocs build.

- `snapshot`: issues -> snapshot entries (pure), reading and writing the snapshot file.
- `refresh`: the snapshot brought up to date with GitHub, reading only what changed (equal to a full read).
- `render`, `metrics`, `charts`: registry, snapshot and configuration -> {path: markdown}, pure.
- `generate`: writes the pages whose text changed; names registry files left out and links that do not hold.
- `engine`: MkDocs as a child process that stops with the bot; `plugin`: the thin MkDocs plugin.
"""
