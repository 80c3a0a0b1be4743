"""Pure rules of pre-enforcement urging: no I/O, no frameworks."""
