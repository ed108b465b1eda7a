"""One module per group of pages, each with its routes."""
