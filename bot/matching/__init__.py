"""matching stage of the pipeline."""
