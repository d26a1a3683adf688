"""Official sanctions lists: formats, the entity model, versions and their differences."""
