"""The transport to GitHub: one client for REST (PyGithub) and GraphQL, with retries and a request log,
and the GraphQL documents every capability sends (`queries/*.graphql`, validated against GitHub's schema).

What is asked of GitHub lives with the capability that asks it: the board's Projects client in
`bot.board.projects`, the gate's reads in `bot.gate.facts`, the snapshot's in `bot.site`.
"""
