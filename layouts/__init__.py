"""What is drawn: pure functions from data to Dash components. No database, no callbacks."""
