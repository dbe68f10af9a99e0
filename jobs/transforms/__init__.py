"""Pure transforms: functions from DataFrames to DataFrames, in three layers.

raw (`validate`) → fact (`versions`, `timeline`) → metrics (`metrics/`, one
table per module). Nothing here reads files or talks to a warehouse.
"""
