"""Edges: one package per channel or interface. They translate, and nothing else."""
