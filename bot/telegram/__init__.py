"""telegram stage of the pipeline."""
