"""Speed figures for the pipeline (`make bench`), measured side by side in one run."""
