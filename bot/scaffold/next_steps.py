"""What a team does after `mlops-bot init`, in order, with the commands filled in (pure)."""

from __future__ import annotations

from dataclasses import dataclass

ACTION_PLACEHOLDER = "OWNER/REPO@SHA"  # in site_src/setup.md; init puts the action it was given there


def install_command(action_ref: str, server: str = "https://github.com") -> str:
    """pip's line for the exact release the workflows pin: `owner/repo@sha` -> a git URL at that commit."""
    repository, _, sha = action_ref.partition("@")
    return f'pip install "mlops-bot @ git+{server.rstrip("/")}/{repository}@{sha}"'


@dataclass(frozen=True)
class NextStep:
    title: str
    how: str


def next_steps(
    status_context: str, *, repository: str | None, project_url: str | None, action_ref: str, server: str
) -> list[NextStep]:
    repo = repository or "OWNER/NAME"
    context, board = status_context, project_url
    return [
        NextStep("Commit and push what init wrote", "git add .github mkdocs.yml site_src .gitignore && git commit"),
        NextStep(
            "Add the board token as the secret MLOPS_PROJECT_TOKEN",
            f"gh secret set MLOPS_PROJECT_TOKEN --repo {repo}  (a classic token with the 'project' scope, or a "
            "GitHub App token with Projects read and write)",
        ),
        NextStep(
            "Give the board its columns" + (f" ({board})" if board else " (a new board is created for the owner)"),
            f"MLOPS_PROJECT_TOKEN=... mlops-bot init --board --repo {repo}",
        ),
        NextStep(
            "Publish the site with GitHub Pages, built by Actions",
            f"gh api -X POST repos/{repo}/pages -f build_type=workflow  (or Settings > Pages > Source: GitHub Actions)",
        ),
        NextStep(
            f"Require the status check {context} on the default branch",
            f"a ruleset (Settings > Rules) or branch protection requiring {context}, its expected source the App "
            "that posts it (at least GitHub Actions)",
        ),
        NextStep("Check the whole setup", f"mlops-bot doctor --repo {repo}"),
        NextStep("Install this exact release elsewhere (laptops, other jobs)", install_command(action_ref, server)),
    ]


def render_next_steps(steps: list[NextStep]) -> str:
    lines = ["", "Next steps:"]
    for number, step in enumerate(steps, 1):
        lines += [f"  {number}. {step.title}", f"     {step.how}"]
    return "\n".join(lines)
