"""The workflow files, rendered for a repository: the team's (using the published action) or this one."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

WORKFLOW_FILES = ("mlops-bot.yml", "site.yml")


@cache
def _environment() -> Environment:
    # GitHub's own `${{ }}` expressions stay untouched: these templates use [[ ]] and [% %].
    return Environment(
        loader=PackageLoader("bot.scaffold", "templates/workflows"),
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_workflows(action: str, config: str = ".github/mlops.yml", snapshot: bool = True) -> dict[str, str]:
    """`{file name: YAML}` for `.github/workflows/`."""
    return {
        name: _environment().get_template(name).render(action=action, config=config, snapshot=snapshot)
        for name in WORKFLOW_FILES
    }
