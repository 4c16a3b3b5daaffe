"""mlops-bot: keeps an ML team's issues, board, model registry and site in step."""

__version__ = "0.1.0"
