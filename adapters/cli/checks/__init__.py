"""The checks ``protocol-bot doctor`` runs (``adapters.cli.doctor``), one module per kind of thing checked."""
