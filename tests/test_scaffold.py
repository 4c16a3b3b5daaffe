"""What init adds to .gitignore and says next (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.scaffold.gitignore import GITIGNORE_ENTRIES, missing_entries, with_entries
from bot.scaffold.next_steps import install_command


@given(
    st.lists(st.sampled_from(["site", "/site/", "a", "\n", "/", "_", "generated", "site_src", " ", "\r\n"])).map(
        "".join
    )
)
def test_gitignore_gains_what_it_lacks_keeps_what_it_has_and_is_idempotent(current):
    updated = with_entries(current)
    if updated is None:
        assert missing_entries(current) == ()
        return
    assert updated.startswith(current)
    assert missing_entries(updated) == ()
    assert with_entries(updated) is None


def test_no_gitignore_gets_both_entries():
    assert (
        with_entries(None)
        == "# mlops-bot: the built site and its generated pages\n" + "\n".join(GITIGNORE_ENTRIES) + "\n"
    )


def test_install_command_pins_the_commit_on_the_server():
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert install_command(f"acme/mlops-bot@{sha}", "https://ghe.acme.io/") == (
        f'pip install "mlops-bot @ git+https://ghe.acme.io/acme/mlops-bot@{sha}"'
    )
