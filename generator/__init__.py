"""The deterministic synthetic source: a year of a support desk as daily change-feed extracts.

    from generator import generate
    summary = generate(settings, landing)   # -> <landing>/tickets/dt=YYYY-MM-DD/tickets_*.csv

Modules: `business_days` (the calendar), `vocabulary` (value sets, subjects),
`model` (the simulation), `feed` (rows of each day's file, duplicates),
`defects` (bad and messy rows), `render` (CSV text), `writer` (files, manifest),
`generation` (the `generate` entry point).
"""

from generator.defects import KINDS as DEFECT_KINDS
from generator.generation import GENERATOR_VERSION, GenerationSummary, build, generate
from generator.vocabulary import COLUMNS

__all__ = [
    "COLUMNS",
    "DEFECT_KINDS",
    "GENERATOR_VERSION",
    "GenerationSummary",
    "build",
    "generate",
]
