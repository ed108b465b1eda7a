"""The people directory as values: the aliases that name a person, team memberships over time,
the people mapping file, and the plan of what a mapping or an edit changes. Pure: the store
keeps the directory (``store.directory``) and applies a plan."""
