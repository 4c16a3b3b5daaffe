"""What `mlops-bot init` writes into a team's repository, and what it tells them to do next."""
