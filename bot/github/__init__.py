"""The transport to GitHub: one client per token (`client`), GraphQL over the bot's own small urllib3
transport (`transport`: retries, rate limits, the request log), REST through PyGithub, loaded only when a
feature first needs it (`rest`), what the bot uses of PyGithub's objects (`shapes`), creations that are
read back after a lost answer (`writes`), and the GraphQL documents every capability sends
(`queries/*.graphql`, validated against GitHub's schema).

What is asked of GitHub lives with the capability that asks it: the board's Projects client in
`bot.board.projects`, the gate's reads in `bot.gate.facts`, the snapshot's in `bot.site.refresh`.
"""
