"""Typed records read from what people write: registry files, issue forms, checklists."""
