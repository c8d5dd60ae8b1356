"""Citizens' reports (My City)."""
