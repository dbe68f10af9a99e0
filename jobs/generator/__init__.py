"""The deterministic synthetic source: a year of a support desk as daily change-feed extracts.

    from jobs.generator import generate
    summary = generate(settings, landing)   # -> <landing>/tickets/dt=YYYY-MM-DD/tickets_*.csv

Modules: `timeline` (business days), `vocabulary` (value sets, subjects),
`model` (the simulation), `extract` (rows of each day's file, duplicates),
`defects` (bad and messy rows), `render` (CSV text), `writer` (files, manifest),
`generation` (the `generate` entry point).
"""

from jobs.generator.defects import KINDS as DEFECT_KINDS
from jobs.generator.generation import GENERATOR_VERSION, GenerationSummary, build, generate
from jobs.generator.vocabulary import COLUMNS

__all__ = [
    "COLUMNS",
    "DEFECT_KINDS",
    "GENERATOR_VERSION",
    "GenerationSummary",
    "build",
    "generate",
]
