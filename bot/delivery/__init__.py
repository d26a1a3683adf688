"""delivery stage of the pipeline."""
