"""People and their claims: accounts, sign-in links, sessions, roles, claims of
organisations and the moderation queue, in an SQLite database in the state directory
(``KG_STATE``), which no build, ``make clean`` or restart touches."""
