"""Typed records read from what people write, pure: issue forms, checklists, registry files, slash commands.

- `markdown`: the one Markdown parser, and GFM task lists on its tokens.
- `forms`: an issue body -> the record of its form; `issue`: form, record and experiment stage at once.
- `checklist`: a body against the required deployment checklist.
- `registry`: model version files, schema-checked, and the stage rules.
- `links`: a version's experiment and deployment issues held against the snapshot.
- `slash_commands`: a comment's commands -> label changes and a reply.
- `codeowners`: who owns a path.
"""
