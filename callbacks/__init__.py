"""What changes: Dash callbacks (parse → authorise → query → build). Importing registers them."""
