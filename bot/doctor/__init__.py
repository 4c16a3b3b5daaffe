"""`mlops-bot doctor`: check a team's setup end to end (checks.py is pure; facts.py reads)."""
