"""Admin units through time: the tree valid on a day, ending a level or a unit, and which units
succeeded which when boundaries changed (the 1 July 2025 reform above all)."""
