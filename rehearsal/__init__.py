"""The rehearsal: the deployed artifacts, run offline as Google Cloud runs them."""
