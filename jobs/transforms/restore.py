"""A replay's restored facts: tickets that only the replaced files mentioned.

A replay deletes the fact row of every ticket its days touched before the correction
(statements.py, `_forget_replaced_facts`) and stages only what the corrected files say.
A ticket that only an old file of a replayed day mentioned is then in no staged row; it
goes back to its state before the replay, which is its row in the replay's prior state
(fact_tickets_history as of the day before). A ticket with no such row had no state
before the replay, and stays deleted (docs/design.md, "Replay").
"""

from __future__ import annotations

from pyspark.sql import DataFrame


def only_replaced(prior: DataFrame, replaced: DataFrame, versions: DataFrame) -> DataFrame:
    """The prior fact rows of the tickets in `replaced` (ticket_id) that have no version
    in `versions`, the replayed days as corrected."""
    return prior.join(replaced.select("ticket_id"), "ticket_id", "left_semi").join(
        versions.select("ticket_id"), "ticket_id", "left_anti"
    )
