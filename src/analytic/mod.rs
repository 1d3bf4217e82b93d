//! Queueing formulas (Erlang C, Erlang A) for checks and estimates.
