"""Two database expressions the dashboard's aggregate queries need, on PostgreSQL and
SQLite alike: seconds between two timestamps, and a percentile (continuous, as
PostgreSQL's percentile_cont: linear between the two nearest values)."""

import math

from django.db.models import Aggregate, FloatField, Func


class Seconds(Func):
    """Seconds from `earlier` to `later` (NULL when either is)."""

    output_field = FloatField()
    arity = 2

    def __init__(self, later, earlier, **extra):
        super().__init__(later, earlier, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django keeps SQLite datetimes as ISO text in UTC; julianday() reads it to the millisecond.
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Percentile(Aggregate):
    """The `fraction` percentile of an expression over the group (NULLs ignored)."""

    name = "Percentile"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="percentile_cont(%(fraction)r) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="avatar_percentile(%(expressions)s, %(fraction)r)%(filter)s",
            **extra_context,
        )


def percentile_cont(ordered: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over sorted values."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class _SqlitePercentile:
    def __init__(self):
        self.values, self.fraction = [], 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(value)
        self.fraction = fraction

    def finalize(self):
        return percentile_cont(sorted(self.values), self.fraction)


def add_sqlite_functions(sender, connection, **kwargs):
    """SQLite has no percentile_cont: give each new SQLite connection ours (in Python)."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("avatar_percentile", 2, _SqlitePercentile)
