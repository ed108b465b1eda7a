"""What leaves the product: files built from the reports for other tools (the FOCUS export)."""
