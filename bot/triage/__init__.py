"""Answering people in issues: the record check, slash commands, and time-box reminders.

- `record_check`: an issue written from a form -> one bot comment saying what is missing, edited in place.
- `slash_commands`: a comment's commands -> label changes, answered in the same bot comment.
- `reminders`: research spikes past their time box get one reminder.
- `dispatch`: which of these an Actions event asks for.
"""
