"""Foreign keys checked once per statement on PostgreSQL, for the table that imports fill.

PostgreSQL checks a FOREIGN KEY with one query per row written. Importing 100,000 service
records, those queries took about 60 % of the server's time (perf on the backend: 63 % under
AfterTriggerEndQuery), more than storing the rows and their indexes. So on PostgreSQL the
references marked `PER_STATEMENT` in the models are checked by statement triggers instead:

- after an INSERT, one query per reference locks the rows the statement refers to (FOR KEY
  SHARE, as PostgreSQL's own check does, so that nobody can delete them before this
  transaction ends) and refuses the statement if any is missing; an UPDATE that changes a
  reference is checked row by row, like the constraint;
- after a DELETE, a key change or a TRUNCATE of the referenced table, one query refuses it
  while anything still refers to the rows gone (NO ACTION, like the constraint replaced).

Errors are SQLSTATE 23503 (foreign_key_violation) and name the constraint they stand for,
so callers get the IntegrityError they had before. The checks read with a fresh snapshot,
which is what READ COMMITTED — the isolation the application runs at — gives them.
SQLite keeps real foreign keys: there they are cheap. Migration 0005 installs the triggers;
`compared_in_schema` keeps alembic from asking for the constraints back.
"""

from __future__ import annotations

import re

PER_STATEMENT = {"checked": "per statement on PostgreSQL, see volunteer/references.py"}

# The transition tables the trigger functions read, by these names.
_ADDED, _GONE = "added", "gone"

FUNCTIONS = [
    # TG_ARGV: the column, the referenced table, the constraint's name. Per statement after
    # an INSERT (the rows in `added`); per row after an UPDATE that changed the column.
    """
CREATE FUNCTION references_exist() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
  short bigint;
  missing text;
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    EXECUTE format(
      'SELECT 1 - count(*) FROM (SELECT FROM %2$I t WHERE t.id = ($1).%1$I FOR KEY SHARE OF t) x',
      TG_ARGV[0], TG_ARGV[1]) INTO short USING NEW;
  ELSE
    EXECUTE format(
      'WITH wanted AS MATERIALIZED (SELECT DISTINCT %1$I AS key FROM added WHERE %1$I IS NOT NULL),'
      ' held AS (SELECT t.id FROM %2$I t WHERE t.id IN (SELECT key FROM wanted) FOR KEY SHARE OF t)'
      ' SELECT (SELECT count(*) FROM wanted) - (SELECT count(*) FROM held)',
      TG_ARGV[0], TG_ARGV[1]) INTO short;
  END IF;
  IF short > 0 THEN
    IF TG_LEVEL = 'ROW' THEN
      EXECUTE format('SELECT ($1).%I::text', TG_ARGV[0]) INTO missing USING NEW;
    ELSE
      EXECUTE format(
        'SELECT a.%1$I::text FROM added a WHERE a.%1$I IS NOT NULL'
        ' AND NOT EXISTS (SELECT FROM %2$I t WHERE t.id = a.%1$I) LIMIT 1',
        TG_ARGV[0], TG_ARGV[1]) INTO missing;
    END IF;
    RAISE foreign_key_violation USING
      MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"',
                       TG_TABLE_NAME, TG_ARGV[2]),
      DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                      TG_ARGV[0], missing, TG_ARGV[1]),
      TABLE = TG_TABLE_NAME, CONSTRAINT = TG_ARGV[2];
  END IF;
  RETURN NULL;
END $body$""",
    # TG_ARGV: the referring table, its column, the constraint's name.
    """
CREATE FUNCTION references_kept() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
  key text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    EXECUTE format('SELECT %2$I::text FROM %1$I WHERE %2$I IS NOT NULL LIMIT 1',
                   TG_ARGV[0], TG_ARGV[1]) INTO key;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT g.id::text FROM gone g'
                   ' WHERE EXISTS (SELECT FROM %1$I s WHERE s.%2$I = g.id) LIMIT 1',
                   TG_ARGV[0], TG_ARGV[1]) INTO key;
  ELSE  -- the referenced row's key changed
    EXECUTE format('SELECT $1::text FROM %1$I s WHERE s.%2$I = $1 LIMIT 1',
                   TG_ARGV[0], TG_ARGV[1]) INTO key USING OLD.id;
  END IF;
  IF key IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('update or delete on table "%s" violates foreign key constraint "%s"'
                       ' on table "%s"', TG_TABLE_NAME, TG_ARGV[2], TG_ARGV[0]),
      DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', key, TG_ARGV[0]),
      TABLE = TG_TABLE_NAME, CONSTRAINT = TG_ARGV[2];
  END IF;
  RETURN NULL;
END $body$""",
]

DROP_FUNCTIONS = ["DROP FUNCTION references_exist()", "DROP FUNCTION references_kept()"]

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def constraint_name(table: str, column: str, target: str) -> str:
    """The name the models' naming convention gives the foreign key (fk_…)."""
    return f"fk_{table}_{column}_{target}"


def install(table: str, column: str, target: str) -> list[str]:
    """The triggers checking `table.column` → `target.id` per statement."""
    name = _checked(table, column, target)
    on_source = f"EXECUTE FUNCTION references_exist('{column}', '{target}', '{name}')"
    on_target = f"EXECUTE FUNCTION references_kept('{table}', '{column}', '{name}')"
    return [
        f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} REFERENCING NEW TABLE AS {_ADDED}"
        f" FOR EACH STATEMENT {on_source}",
        # Per row, and only when the column changed, as with the constraint: approving a
        # record checks its reviewer, not its volunteer.
        f"CREATE TRIGGER {name}_u AFTER UPDATE OF {column} ON {table} FOR EACH ROW"
        f" WHEN (NEW.{column} IS DISTINCT FROM OLD.{column} AND NEW.{column} IS NOT NULL)"
        f" {on_source}",
        f"CREATE TRIGGER {name}_d AFTER DELETE ON {target} REFERENCING OLD TABLE AS {_GONE}"
        f" FOR EACH STATEMENT {on_target}",
        f"CREATE TRIGGER {name}_k AFTER UPDATE OF id ON {target}"
        f" FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) {on_target}",
        f"CREATE TRIGGER {name}_t AFTER TRUNCATE ON {target} FOR EACH STATEMENT {on_target}",
    ]


def uninstall(table: str, column: str, target: str) -> list[str]:
    name = _checked(table, column, target)
    return [
        f"DROP TRIGGER {name}_{suffix} ON {on}"
        for suffix, on in (("i", table), ("u", table), ("d", target), ("k", target), ("t", target))
    ]


def trigger_names(table: str, column: str, target: str) -> set[str]:
    name = constraint_name(table, column, target)
    return {f"{name}_{suffix}" for suffix in "iudkt"}


def compared_in_schema(dialect_name: str):
    """An alembic `include_object` leaving out, on PostgreSQL, the foreign keys the models
    mark PER_STATEMENT: there the triggers above stand for them."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        return not (
            dialect_name == "postgresql"
            and type_ == "foreign_key_constraint"
            and not reflected
            and any(element.info == PER_STATEMENT for element in obj.elements)
        )

    return include


def _checked(*names: str) -> str:
    # Every name is spliced into DDL: only plain lower-case identifiers are accepted.
    for name in names:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain identifier: {name!r}")
    # Trigger names get a two-character suffix and must stay within 63 bytes.
    name = constraint_name(*names)
    if len(name) > 60:
        raise ValueError(f"constraint name too long for its triggers: {name}")
    return name
