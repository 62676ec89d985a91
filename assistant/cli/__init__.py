"""The `huati` command line. One module per command group; heavy imports stay inside commands."""
